// SPDX-License-Identifier: MIT
namespace Rkt.Stage1.Fly;

/// <summary>
/// <c>gc UUID</c>: fly leaves nothing in the host to clean: the app's mounts lived in the app's own mount namespace
/// and went away with it, and fly creates no network namespace. With --debug it reports what it checked.
/// </summary>
internal static class GcCommand
{
    public static int Execute(IReadOnlyList<string> args)
    {
        string? uuid = null;
        foreach (string a in args)
        {
            if (a == "--debug" || a == "--debug=true") Log.DebugEnabled = true;
            else if (a.StartsWith("--", StringComparison.Ordinal)) Log.Warn($"ignoring unsupported flag {a}");
            else uuid ??= a;
        }
        if (uuid is null) throw new Stage1Error("arguments", "missing pod UUID");
        string dir = Directory.GetCurrentDirectory();
        List<MountInfoEntry> under = MountInfo.Under(MountInfo.Read(), dir);
        string rootfs = Path.Combine(dir, "stage1", "rootfs", "opt", "stage2");
        int engineOwned = under.Count(m => m.MountPoint.StartsWith(rootfs + "/", StringComparison.Ordinal) && m.MountPoint.EndsWith("/rootfs", StringComparison.Ordinal));
        Log.Step($"gc {uuid}: checked /proc/self/mountinfo: {under.Count} mount(s) under {dir}" +
            (engineOwned > 0 ? $" ({engineOwned} app rootfs mount(s), owned by the engine)" : ""));
        foreach (MountInfoEntry m in under) Log.Step($"gc {uuid}: host mount {m.MountPoint} ({m.FsType})");
        Log.Step($"gc {uuid}: fly keeps no mounts or network namespaces in the host; nothing to clean");
        return 0;
    }
}
