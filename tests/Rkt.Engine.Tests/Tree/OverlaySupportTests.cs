// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Fakes;
using Rkt.Engine.Tests.Support;

namespace Rkt.Engine.Tests.Tree;

public sealed class OverlaySupportTests : IDisposable
{
    private const string WithOverlay = "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n";
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private void AssertNoProbeLeft(string dir)
    {
        Assert.Empty(Directory.EnumerateDirectories(dir, ".rkt-overlay-probe-*"));
        Assert.Empty(MountInfo.MountPointsUnder(dir));
    }

    // ------------------------------------------------------------ decisions, with a recording fake

    [Fact]
    public void Aufs_and_zfs_are_refused_without_mounting()
    {
        foreach ((long type, string name) in new[] { (FileSystemMagic.Aufs, "aufs"), (FileSystemMagic.Zfs, "zfs") })
        {
            var fake = new RecordingSyscalls { FakeStatfsType = type, EffectiveUserIdOverride = 0 };
            OverlayProbeResult r = new OverlaySupport(fake, () => WithOverlay).Probe(_tmp.PathName);
            Assert.False(r.IsSupported);
            Assert.Contains(name, r.Reason);
            Assert.Equal(type, r.FileSystemType);
            Assert.Empty(fake.CallsTo("Mount"));
        }
        AssertNoProbeLeft(_tmp.PathName);
    }

    [Fact]
    public void Non_root_is_refused_without_mounting()
    {
        var fake = new RecordingSyscalls { EffectiveUserIdOverride = 1000 };
        OverlayProbeResult r = new OverlaySupport(fake, () => WithOverlay).Probe(_tmp.PathName);
        Assert.False(r.IsSupported);
        Assert.Contains("root", r.Reason);
        Assert.Empty(fake.CallsTo("Mount"));
    }

    [Fact]
    public void A_failed_test_mount_is_reported_with_errno_text_and_cleaned_up()
    {
        var fake = new RecordingSyscalls { EffectiveUserIdOverride = 0 }.FailOn("Mount", Errno.EINVAL);
        OverlayProbeResult r = new OverlaySupport(fake, () => WithOverlay).Probe(_tmp.PathName);
        Assert.False(r.IsSupported);
        Assert.Contains("test overlay mount", r.Reason);
        Assert.Contains("Invalid argument", r.Reason);
        SyscallRecord mount = Assert.Single(fake.CallsTo("Mount"));
        Assert.Equal("overlay", mount.Args[2]);
        Assert.Matches(@"^lowerdir=.*/lower,upperdir=.*/upper,workdir=.*/work$", (string)mount.Args[4]!);
        Assert.StartsWith(Path.Combine(_tmp.PathName, ".rkt-overlay-probe-"), (string)mount.Args[0]!);
        Assert.Empty(fake.CallsTo("Unmount"));
        AssertNoProbeLeft(_tmp.PathName);
    }

    [Fact]
    public void Missing_overlay_in_proc_filesystems_explains_a_failed_mount()
    {
        var fake = new RecordingSyscalls { EffectiveUserIdOverride = 0 }.FailOn("Mount", Errno.ENODEV);
        OverlayProbeResult r = new OverlaySupport(fake, () => "nodev\tsysfs\n\text4\n").Probe(_tmp.PathName);
        Assert.False(r.IsSupported);
        Assert.Contains("/proc/filesystems", r.Reason);
        Assert.Contains("no overlay filesystem", r.Reason);
    }

    [Fact]
    public void Missing_directory_is_unsupported_not_an_exception()
    {
        OverlayProbeResult r = new OverlaySupport(new RecordingSyscalls(), () => WithOverlay).Probe(_tmp.Sub("nope"));
        Assert.False(r.IsSupported);
        Assert.Contains("does not exist", r.Reason);
    }

    [Fact]
    public void Mount_data_escapes_separators()
    {
        Assert.Equal(@"lowerdir=/a\:b:/c\,d,upperdir=/u\\x,workdir=/w",
            OverlaySupport.MountData([@"/a:b", "/c,d"], @"/u\x", "/w"));
        Assert.Equal("lowerdir=/l", OverlaySupport.MountData(["/l"], null, null));
        Assert.Throws<ArgumentException>(() => OverlaySupport.MountData([], null, null));
        Assert.Throws<ArgumentException>(() => OverlaySupport.MountData(["/l"], "/u", null));
    }

    // ------------------------------------------------------------ real probes (root)

    [Fact]
    [Trait("Category", "Privileged")]
    public void Supported_on_a_tmpfs()
    {
        Privileged.RequireRoot();
        string mnt = _tmp.Sub("tmpfs");
        Directory.CreateDirectory(mnt);
        LinuxSyscalls.Instance.Mount("tmpfs", mnt, "tmpfs", MountFlags.None, "size=4m");
        try
        {
            OverlayProbeResult r = new OverlaySupport(LinuxSyscalls.Instance).Probe(mnt);
            Assert.True(r.IsSupported, r.Reason);
            Assert.Equal(FileSystemMagic.Tmpfs, r.FileSystemType);
            Assert.Empty(Directory.EnumerateFileSystemEntries(mnt));
            Assert.Equal([mnt], MountInfo.MountPointsUnder(mnt));
        }
        finally
        {
            LinuxSyscalls.Instance.Unmount(mnt, UnmountFlags.Detach);
        }
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Supported_on_the_checkout_disk()
    {
        Privileged.RequireRoot();
        // The test binaries live on the disk of the checkout (/work here).
        using var onDisk = new TempDir(AppContext.BaseDirectory);
        OverlayProbeResult r = new OverlaySupport(LinuxSyscalls.Instance).Probe(onDisk.PathName);
        Assert.True(r.IsSupported, r.Reason);
        Assert.Equal(LinuxSyscalls.Instance.StatfsType(AppContext.BaseDirectory), r.FileSystemType);
        Assert.NotEqual(FileSystemMagic.Tmpfs, r.FileSystemType);
        AssertNoProbeLeft(onDisk.PathName);
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Unsupported_inside_an_overlay_mount()
    {
        Privileged.RequireRoot();
        string l = _tmp.Sub("l"), u = _tmp.Sub("u"), w = _tmp.Sub("w"), m = _tmp.Sub("m");
        foreach (string d in new[] { l, u, w, m }) Directory.CreateDirectory(d);
        LinuxSyscalls.Instance.Mount("overlay", m, "overlay", MountFlags.None, OverlaySupport.MountData([l], u, w));
        try
        {
            OverlayProbeResult r = new OverlaySupport(LinuxSyscalls.Instance).Probe(m);
            Assert.False(r.IsSupported); // an overlayfs cannot be an upper layer
            Assert.Equal(FileSystemMagic.Overlay, r.FileSystemType);
            Assert.Contains("test overlay mount", r.Reason);
            AssertNoProbeLeftExceptOuter(m);
        }
        finally
        {
            LinuxSyscalls.Instance.Unmount(m, UnmountFlags.Detach);
        }
    }

    private static void AssertNoProbeLeftExceptOuter(string m)
    {
        Assert.Empty(Directory.EnumerateDirectories(m, ".rkt-overlay-probe-*"));
        Assert.Equal([m], MountInfo.MountPointsUnder(m));
    }
}
