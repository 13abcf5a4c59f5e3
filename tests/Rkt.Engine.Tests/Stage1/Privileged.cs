// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Tests.Stage1;

/// <summary>Stage1 process tests need root (mount namespaces, chroot, setuid). In CI they must not skip.</summary>
internal static class Privileged
{
    public static void Require()
    {
        bool root = Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.EffectiveUserId == 0;
        if (!root && Environment.GetEnvironmentVariable("CI") is "true") Assert.Fail("stage1 tests must run as root in CI");
        Assert.SkipUnless(root, "stage1 process tests need root");
    }
}
