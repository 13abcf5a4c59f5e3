// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Tests.Support;

namespace Rkt.Engine.Tests.Native;

public sealed class LinuxSyscallsTests : IDisposable
{
    private static readonly LinuxSyscalls Sys = LinuxSyscalls.Instance;
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Errno_of_LibraryImport_calls_is_the_last_pinvoke_error()
    {
        int rc = LibcImports.flock(-1, LibcImports.LOCK_EX);
        int pinvoke = Marshal.GetLastPInvokeError();
        int tmds = LinuxSyscalls.TmdsErrno;
        Assert.Equal(-1, rc);
        Assert.Equal(Errno.EBADF, pinvoke);
        Assert.Equal(Errno.EBADF, tmds);
    }

    [Fact]
    public void Failed_call_throws_with_call_path_and_errno()
    {
        string missing = _tmp.Sub("no", "such", "file");
        var e = Assert.Throws<NativeCallException>(() => Sys.Lstat(missing));
        Assert.Equal("lstat", e.Syscall);
        Assert.Equal(missing, e.PathName);
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(missing, e.Message);
        Assert.Contains("No such file or directory", e.Message);
        Assert.False(Sys.TryLstat(missing, out _));
    }

    [Fact]
    public void Descriptor_errors_carry_errno()
    {
        using var bogus = new SafeFileHandle(987654, ownsHandle: false);
        var e = Assert.Throws<NativeCallException>(() => Sys.Flock(bogus, LockKind.Shared, wait: false));
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.Equal("flock", e.Syscall);
    }

    [Fact]
    public void Embedded_nul_in_a_path_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Sys.Lstat(_tmp.Sub("a\0b")));
    }

    [Fact]
    public void Flock_conflicts_between_two_open_file_descriptions()
    {
        string path = _tmp.Sub("lock");
        using SafeFileHandle a = Sys.Open(path, OpenFlags.ReadWrite | OpenFlags.Create, (UnixFileMode)0b110_100_000);
        using SafeFileHandle b = Sys.Open(path, OpenFlags.ReadWrite, 0);

        Assert.True(Sys.Flock(a, LockKind.Exclusive, wait: false));
        Assert.False(Sys.Flock(b, LockKind.Shared, wait: false));     // exclusive blocks shared
        Assert.False(Sys.Flock(b, LockKind.Exclusive, wait: false));
        Sys.Unlock(a);

        Assert.True(Sys.Flock(b, LockKind.Shared, wait: false));
        Assert.True(Sys.Flock(a, LockKind.Shared, wait: false));      // shared + shared
        Assert.False(Sys.Flock(a, LockKind.Exclusive, wait: false));  // upgrade blocked by b's shared lock
        Sys.Unlock(b);
        Assert.True(Sys.Flock(a, LockKind.Exclusive, wait: false));
    }

    [Fact]
    public async Task Blocking_flock_waits_for_release()
    {
        string path = _tmp.Sub("lock");
        using SafeFileHandle a = Sys.Open(path, OpenFlags.ReadWrite | OpenFlags.Create, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using SafeFileHandle b = Sys.Open(path, OpenFlags.ReadWrite, 0);
        Assert.True(Sys.Flock(a, LockKind.Exclusive, wait: false));
        var waiter = Task.Run(() => Sys.Flock(b, LockKind.Exclusive, wait: true), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(waiter.IsCompleted); // still blocked: a holds the lock
        Sys.Unlock(a);
        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Open_with_nofollow_and_exclusive_refuses_symlinks_and_existing_names()
    {
        string target = _tmp.Sub("target");
        File.WriteAllText(target, "x");
        string link = _tmp.Sub("link");
        File.CreateSymbolicLink(link, target);

        var loop = Assert.Throws<NativeCallException>(() => Sys.Open(link, OpenFlags.ReadOnly | OpenFlags.NoFollow, 0));
        Assert.Equal(Errno.ELOOP, loop.Errno);
        var exists = Assert.Throws<NativeCallException>(() =>
            Sys.Open(link, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive, UnixFileMode.UserWrite));
        Assert.Equal(Errno.EEXIST, exists.Errno);
        Assert.Equal("x", File.ReadAllText(target));
    }

    [Fact]
    public void Close_on_exec_can_be_cleared_and_set()
    {
        using SafeFileHandle h = Sys.OpenDirectory(_tmp.PathName);
        Assert.True(Sys.GetCloseOnExec(h));
        Sys.SetCloseOnExec(h, false);
        Assert.False(Sys.GetCloseOnExec(h));
        Sys.SetCloseOnExec(h, true);
        Assert.True(Sys.GetCloseOnExec(h));
    }

    [Fact]
    public void Fstat_and_lstat_agree_on_identity()
    {
        string path = _tmp.Sub("f");
        File.WriteAllBytes(path, new byte[1234]);
        using SafeFileHandle h = Sys.Open(path, OpenFlags.ReadOnly, 0);
        FileStatus byFd = Sys.Fstat(h);
        FileStatus byPath = Sys.Lstat(path);
        Assert.Equal(byPath.Device, byFd.Device);
        Assert.Equal(byPath.Inode, byFd.Inode);
        Assert.Equal(FileKind.RegularFile, byPath.Kind);
        Assert.Equal(1234, byPath.Size);
        Assert.Equal(1UL, byPath.LinkCount);
        Sys.Fsync(h);
        Sys.Syncfs(h);
    }

    [Fact]
    public void Fsync_reports_errno_for_unsyncable_descriptors()
    {
        // A pipe cannot be fsynced (EINVAL): proves the error path of the wrapper.
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var e = Assert.Throws<NativeCallException>(() => Sys.Fsync(new SafeFileHandle(server.SafePipeHandle.DangerousGetHandle(), ownsHandle: false)));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void Link_and_rename_noreplace()
    {
        string a = _tmp.Sub("a"), b = _tmp.Sub("b"), c = _tmp.Sub("c");
        File.WriteAllText(a, "A");
        File.WriteAllText(c, "C");
        Sys.Link(a, b);
        Assert.Equal(Sys.Lstat(a).Inode, Sys.Lstat(b).Inode);
        Assert.Equal(2UL, Sys.Lstat(a).LinkCount);

        var e = Assert.Throws<NativeCallException>(() => Sys.Rename(c, b, noReplace: true));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("A", File.ReadAllText(b));
        Sys.Rename(c, b, noReplace: false);
        Assert.Equal("C", File.ReadAllText(b));
        Assert.False(File.Exists(c));
    }

    [Fact]
    public void Chmod_sets_special_bits_and_never_follows_a_symlink()
    {
        string file = _tmp.Sub("f");
        File.WriteAllText(file, "x");
        var suid = (UnixFileMode)Convert.ToInt32("4755", 8);
        Sys.Chmod(file, suid);
        Assert.Equal(suid, Sys.Lstat(file).Permissions);

        string link = _tmp.Sub("l");
        File.CreateSymbolicLink(link, file);
        var e = Assert.Throws<NativeCallException>(() => Sys.Chmod(link, (UnixFileMode)Convert.ToInt32("0777", 8)));
        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Equal(suid, Sys.Lstat(file).Permissions);
    }

    [Fact]
    public void Mkdir_fails_on_an_existing_symlink()
    {
        string link = _tmp.Sub("l");
        File.CreateSymbolicLink(link, _tmp.Sub("elsewhere"));
        var e = Assert.Throws<NativeCallException>(() => Sys.Mkdir(link, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.False(Directory.Exists(_tmp.Sub("elsewhere")));
    }

    [Fact]
    public void Mkfifo_creates_a_fifo()
    {
        string path = _tmp.Sub("fifo");
        Sys.Mkfifo(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        FileStatus st = Sys.Lstat(path);
        Assert.Equal(FileKind.Fifo, st.Kind);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, st.Permissions);
    }

    [Fact]
    public void SetTimes_changes_the_symlink_not_its_target()
    {
        string target = _tmp.Sub("t");
        File.WriteAllText(target, "x");
        long targetMtime = Sys.Lstat(target).ModificationTime;
        string link = _tmp.Sub("l");
        File.CreateSymbolicLink(link, target);

        const long atime = 1_400_000_000_111_222_333, mtime = 1_500_000_000_123_456_789;
        Sys.SetTimes(link, atime, mtime);
        FileStatus st = Sys.Lstat(link);
        Assert.Equal(mtime, st.ModificationTime);
        Assert.Equal(atime, st.AccessTime);
        Assert.Equal(targetMtime, Sys.Lstat(target).ModificationTime);

        Sys.SetTimes(link, null, 1_600_000_000_000_000_001); // atime omitted
        st = Sys.Lstat(link);
        Assert.Equal(atime, st.AccessTime);
        Assert.Equal(1_600_000_000_000_000_001, st.ModificationTime);
    }

    [Fact]
    public void SetTimes_accepts_times_before_the_epoch()
    {
        string path = _tmp.Sub("old");
        File.WriteAllText(path, "x");
        Sys.SetTimes(path, -1_500_000_000, -1_500_000_000); // 1969-12-31T23:59:58.5Z
        Assert.Equal(-1_500_000_000, Sys.Lstat(path).ModificationTime);
    }

    [Fact]
    public void User_xattrs_round_trip_on_disk()
    {
        string path = _tmp.Sub("x");
        File.WriteAllText(path, "x");
        XattrRoundTrip(path);
    }

    [Fact]
    public void Kill_probes_processes()
    {
        Assert.True(Sys.Kill(Environment.ProcessId, Signal.None));
        Assert.False(Sys.Kill(int.MaxValue, Signal.None)); // above pid_max: ESRCH
    }

    [Fact]
    public void Kill_delivers_signals()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        Assert.True(Sys.Kill(child.Id, Signal.Terminate));
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(128 + 15, child.ExitCode);
    }

    [Fact]
    public void Statfs_reports_the_filesystem_type()
    {
        Assert.Equal(FileSystemMagic.Tmpfs, Sys.StatfsType("/dev/shm"));
        Assert.NotEqual(FileSystemMagic.Tmpfs, Sys.StatfsType("/proc"));
    }

    [Fact]
    public void Device_numbers_round_trip()
    {
        foreach ((uint major, uint minor) in new[] { (1u, 3u), (259u, 1048575u), (4095u, 255u), (0xFFFFFu, 0xFFFFFu) })
        {
            ulong dev = DeviceNumber.Make(major, minor);
            Assert.Equal(major, DeviceNumber.Major(dev));
            Assert.Equal(minor, DeviceNumber.Minor(dev));
        }
        Assert.Equal(0x0103UL, DeviceNumber.Make(1, 3)); // /dev/null in the classic 16-bit layout
    }

    [Fact]
    public void Unix_time_converts_both_ways()
    {
        var t = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567);
        long ns = UnixTime.ToNanoseconds(t);
        Assert.Equal(1577934245_123456700, ns);
        Assert.Equal(t, UnixTime.FromNanoseconds(ns));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(-1), UnixTime.FromNanoseconds(-1));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Lchown_changes_the_link_not_the_target()
    {
        Privileged.RequireRoot();
        string target = _tmp.Sub("t");
        File.WriteAllText(target, "x");
        string link = _tmp.Sub("l");
        File.CreateSymbolicLink(link, target);

        Sys.Lchown(link, 1234, 5678);
        FileStatus l = Sys.Lstat(link), t = Sys.Lstat(target);
        Assert.Equal((1234u, 5678u), (l.UserId, l.GroupId));
        Assert.Equal((0u, 0u), (t.UserId, t.GroupId));

        Sys.Lchown(link, -1, 42); // -1 keeps the uid
        l = Sys.Lstat(link);
        Assert.Equal((1234u, 42u), (l.UserId, l.GroupId));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Mknod_creates_character_and_block_devices()
    {
        Privileged.RequireRoot();
        string chr = _tmp.Sub("null");
        Sys.Mknod(chr, DeviceKind.Character, (UnixFileMode)Convert.ToInt32("0640", 8), 1, 3);
        FileStatus st = Sys.Lstat(chr);
        Assert.Equal(FileKind.CharacterDevice, st.Kind);
        Assert.Equal((1u, 3u), (st.DeviceMajor, st.DeviceMinor));
        Assert.Equal((UnixFileMode)Convert.ToInt32("0640", 8), st.Permissions);

        string blk = _tmp.Sub("loop");
        Sys.Mknod(blk, DeviceKind.Block, UnixFileMode.UserRead, 7, 300);
        st = Sys.Lstat(blk);
        Assert.Equal(FileKind.BlockDevice, st.Kind);
        Assert.Equal((7u, 300u), (st.DeviceMajor, st.DeviceMinor));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Mount_and_unmount_a_tmpfs()
    {
        Privileged.RequireRoot();
        string mnt = _tmp.Sub("mnt");
        Directory.CreateDirectory(mnt);
        Sys.Mount("rkt-test", mnt, "tmpfs", MountFlags.NoSuid | MountFlags.NoDev, "size=1m,mode=0750");
        try
        {
            Assert.Contains(MountInfo.Read(), m => m.MountPoint == mnt && m.FsType == "tmpfs" && m.Source == "rkt-test");
            Assert.Equal(FileSystemMagic.Tmpfs, Sys.StatfsType(mnt));
            Assert.Equal((UnixFileMode)Convert.ToInt32("0750", 8), Sys.Lstat(mnt).Permissions);

            var busy = Assert.Throws<NativeCallException>(() => Sys.Mount("rkt-test", mnt, "no-such-fs", MountFlags.None, null));
            Assert.Equal(Errno.ENODEV, busy.Errno);
            Assert.Contains(mnt, busy.Message);
        }
        finally
        {
            Sys.Unmount(mnt, UnmountFlags.None);
        }
        Assert.DoesNotContain(MountInfo.Read(), m => m.MountPoint == mnt);
        var e = Assert.Throws<NativeCallException>(() => Sys.Unmount(mnt, UnmountFlags.None));
        Assert.Equal(Errno.EINVAL, e.Errno); // not a mount point any more
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Bind_mount_shows_the_source_and_detaches()
    {
        Privileged.RequireRoot();
        string src = _tmp.Sub("src"), dst = _tmp.Sub("dst");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(dst);
        File.WriteAllText(Path.Combine(src, "hello"), "bound");

        Sys.Mount(src, dst, null, MountFlags.Bind, null);
        try
        {
            Assert.Contains(MountInfo.Read(), m => m.MountPoint == dst);
            Assert.Equal("bound", File.ReadAllText(Path.Combine(dst, "hello")));
            Sys.Mount(null, dst, null, MountFlags.Bind | MountFlags.Remount | MountFlags.ReadOnly, null);
            Assert.Throws<IOException>(() => File.WriteAllText(Path.Combine(dst, "new"), "x"));
        }
        finally
        {
            Sys.Unmount(dst, UnmountFlags.Detach);
        }
        Assert.DoesNotContain(MountInfo.Read(), m => m.MountPoint == dst);
        Assert.False(File.Exists(Path.Combine(dst, "hello")));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Xattrs_round_trip_on_tmpfs()
    {
        Privileged.RequireRoot();
        string mnt = _tmp.Sub("mnt");
        Directory.CreateDirectory(mnt);
        Sys.Mount("tmpfs", mnt, "tmpfs", MountFlags.None, "size=1m");
        try
        {
            string path = Path.Combine(mnt, "f");
            File.WriteAllText(path, "x");
            XattrRoundTrip(path);

            // A symlink's own xattrs: user.* is not allowed on symlinks, trusted.* is (as root).
            string link = Path.Combine(mnt, "l");
            File.CreateSymbolicLink(link, path);
            Sys.Lsetxattr(link, "trusted.rkt", [7]);
            Assert.Equal([7], Sys.Lgetxattr(link, "trusted.rkt")!);
            Assert.Null(Sys.Lgetxattr(path, "trusted.rkt"));
        }
        finally
        {
            Sys.Unmount(mnt, UnmountFlags.Detach);
        }
    }

    private static void XattrRoundTrip(string path)
    {
        byte[] value = [0, 1, 2, 0xFF, 0xFE, 0, (byte)'z'];
        Assert.Null(Sys.Lgetxattr(path, "user.rkt.test"));
        Sys.Lsetxattr(path, "user.rkt.test", value);
        Sys.Lsetxattr(path, "user.rkt.empty", []);
        Assert.Equal(value, Sys.Lgetxattr(path, "user.rkt.test")!);
        Assert.Equal([], Sys.Lgetxattr(path, "user.rkt.empty")!);
        IReadOnlyList<string> names = Sys.Llistxattr(path);
        Assert.Contains("user.rkt.test", names);
        Assert.Contains("user.rkt.empty", names);
        var e = Assert.Throws<NativeCallException>(() => Sys.Lsetxattr(path + ".missing", "user.a", [1]));
        Assert.Equal(Errno.ENOENT, e.Errno);
    }
}
