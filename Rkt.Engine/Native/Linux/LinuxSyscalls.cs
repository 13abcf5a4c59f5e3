// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;
using static Rkt.Engine.Native.Linux.LibcImports;

namespace Rkt.Engine.Native.Linux;

/// <summary>
/// The real syscall layer over Tmds.LibC and <see cref="LibcImports"/>. Each wrapper marshals paths to
/// NUL-terminated UTF-8 (rejecting embedded NULs), retries on EINTR, reads errno immediately after the call and
/// throws <see cref="NativeCallException"/> naming the call and the path. Handles are AddRef'd for the duration
/// of the call so a concurrent Dispose cannot recycle the descriptor number underneath us.
/// </summary>
public sealed unsafe class LinuxSyscalls : ISyscalls
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>The process-wide instance.</summary>
    public static readonly LinuxSyscalls Instance = new();

    /// <summary>strerror(3) text for an errno.</summary>
    public static string StrError(int errno)
    {
        byte* s = strerror(errno);
        return s == null ? $"errno {errno}" : Marshal.PtrToStringUTF8((IntPtr)s) ?? $"errno {errno}";
    }

    /// <inheritdoc />
    // geteuid(2)
    public uint EffectiveUserId => geteuid();

    /// <inheritdoc />
    // flock(2)
    public bool Flock(SafeFileHandle handle, LockKind kind, bool wait)
    {
        int op = (kind == LockKind.Shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
        using var fd = new FdLease(handle);
        int rc;
        do rc = flock(fd.Fd, op); while (Interrupted(rc));
        if (rc == 0) return true;
        int e = Errno();
        if (e == EWOULDBLOCK && !wait) return false;
        throw new NativeCallException("flock", null, e);
    }

    /// <inheritdoc />
    // flock(2) LOCK_UN
    public void Unlock(SafeFileHandle handle)
    {
        using var fd = new FdLease(handle);
        int rc;
        do rc = flock(fd.Fd, LOCK_UN); while (Interrupted(rc));
        if (rc != 0) throw Fail("flock", null);
    }

    /// <inheritdoc />
    // open(2) with O_DIRECTORY
    public SafeFileHandle OpenDirectory(string path) =>
        new((IntPtr)OpenRaw(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), ownsHandle: true);

    /// <inheritdoc />
    // open(2)
    public SafeFileHandle Open(string path, OpenFlags flags, UnixFileMode mode)
    {
        int f = (flags & (OpenFlags.WriteOnly | OpenFlags.ReadWrite)) switch
        {
            OpenFlags.WriteOnly => O_WRONLY,
            OpenFlags.ReadWrite => O_RDWR,
            OpenFlags.ReadOnly => O_RDONLY,
            _ => throw new ArgumentException("WriteOnly and ReadWrite are exclusive", nameof(flags)),
        };
        if (flags.HasFlag(OpenFlags.Create)) f |= O_CREAT;
        if (flags.HasFlag(OpenFlags.Exclusive)) f |= O_EXCL;
        if (flags.HasFlag(OpenFlags.Truncate)) f |= O_TRUNC;
        if (flags.HasFlag(OpenFlags.Append)) f |= O_APPEND;
        if (flags.HasFlag(OpenFlags.Directory)) f |= O_DIRECTORY;
        if (flags.HasFlag(OpenFlags.NoFollow)) f |= O_NOFOLLOW;
        return new SafeFileHandle((IntPtr)OpenRaw(path, f | O_CLOEXEC, (int)mode), ownsHandle: true);
    }

    /// <inheritdoc />
    // fsync(2)
    public void FsyncDirectory(string path)
    {
        using SafeFileHandle h = OpenDirectory(path);
        using var fd = new FdLease(h);
        int rc;
        do rc = fsync(fd.Fd); while (Interrupted(rc));
        if (rc != 0) throw Fail("fsync", path);
    }

    /// <inheritdoc />
    // fsync(2)
    public void Fsync(SafeFileHandle handle)
    {
        using var fd = new FdLease(handle);
        int rc;
        do rc = fsync(fd.Fd); while (Interrupted(rc));
        if (rc != 0) throw Fail("fsync", null);
    }

    /// <inheritdoc />
    // syncfs(2)
    public void Syncfs(SafeFileHandle handle)
    {
        using var fd = new FdLease(handle);
        int rc;
        do rc = syncfs(fd.Fd); while (Interrupted(rc));
        if (rc != 0) throw Fail("syncfs", null);
    }

    /// <inheritdoc />
    // fcntl(2) F_GETFD
    public bool GetCloseOnExec(SafeFileHandle handle)
    {
        using var fd = new FdLease(handle);
        int rc;
        do rc = fcntl(fd.Fd, F_GETFD); while (Interrupted(rc));
        if (rc < 0) throw Fail("fcntl(F_GETFD)", null);
        return (rc & FD_CLOEXEC) != 0;
    }

    /// <inheritdoc />
    // fcntl(2) F_GETFD/F_SETFD
    public void SetCloseOnExec(SafeFileHandle handle, bool closeOnExec)
    {
        using var fd = new FdLease(handle);
        int flags;
        do flags = fcntl(fd.Fd, F_GETFD); while (Interrupted(flags));
        if (flags < 0) throw Fail("fcntl(F_GETFD)", null);
        int wanted = closeOnExec ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        int rc;
        do rc = fcntl(fd.Fd, F_SETFD, wanted); while (Interrupted(rc));
        if (rc < 0) throw Fail("fcntl(F_SETFD)", null);
    }

    /// <inheritdoc />
    // mount(2)
    public void Mount(string? source, string target, string? fileSystemType, MountFlags flags, string? data)
    {
        byte[]? s = source is null ? null : Utf8Z(source);
        byte[] t = Utf8Z(target);
        byte[]? f = fileSystemType is null ? null : Utf8Z(fileSystemType);
        byte[]? d = data is null ? null : Utf8Z(data);
        fixed (byte* ps = s, pt = t, pf = f, pd = d)
        {
            int rc;
            do rc = mount(ps, pt, pf, (ulong_t)(ulong)flags, pd); while (Interrupted(rc));
            if (rc != 0) throw Fail("mount", target);
        }
    }

    /// <inheritdoc />
    // umount2(2)
    public void Unmount(string target, UnmountFlags flags)
    {
        fixed (byte* pt = Utf8Z(target))
        {
            int rc;
            do rc = umount2(pt, (int)flags); while (Interrupted(rc));
            if (rc != 0) throw Fail("umount2", target);
        }
    }

    /// <inheritdoc />
    // lchown(2)
    public void Lchown(string path, int userId, int groupId)
    {
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = lchown(p, unchecked((uint)userId), unchecked((uint)groupId)); while (Interrupted(rc));
            if (rc != 0) throw Fail("lchown", path);
        }
    }

    /// <inheritdoc />
    // fchmodat(2) AT_SYMLINK_NOFOLLOW
    public void Chmod(string path, UnixFileMode mode)
    {
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = fchmodat(AT_FDCWD, p, (ushort)mode, AT_SYMLINK_NOFOLLOW); while (Interrupted(rc));
            if (rc != 0) throw Fail("fchmodat", path);
        }
    }

    /// <inheritdoc />
    // fchmod(2)
    public void Fchmod(SafeFileHandle handle, UnixFileMode mode)
    {
        using var fd = new FdLease(handle);
        int rc;
        do rc = fchmod(fd.Fd, (ushort)mode); while (Interrupted(rc));
        if (rc != 0) throw Fail("fchmod", null);
    }

    /// <inheritdoc />
    // mkdir(2)
    public void Mkdir(string path, UnixFileMode mode)
    {
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = mkdir(p, (ushort)mode); while (Interrupted(rc));
            if (rc != 0) throw Fail("mkdir", path);
        }
    }

    /// <inheritdoc />
    // mknod(2)
    public void Mknod(string path, DeviceKind kind, UnixFileMode mode, uint major, uint minor)
    {
        int type = kind == DeviceKind.Block ? 0x6000 : 0x2000; // S_IFBLK : S_IFCHR
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = mknod(p, (ushort)(type | ((int)mode & 0xFFF)), DeviceNumber.Make(major, minor)); while (Interrupted(rc));
            if (rc != 0) throw Fail("mknod", path);
        }
    }

    /// <inheritdoc />
    // mkfifo(3)
    public void Mkfifo(string path, UnixFileMode mode)
    {
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = mkfifo(p, (ushort)mode); while (Interrupted(rc));
            if (rc != 0) throw Fail("mkfifo", path);
        }
    }

    /// <inheritdoc />
    // symlink(2)
    public void Symlink(string target, string linkPath)
    {
        fixed (byte* pt = Utf8Z(target), pl = Utf8Z(linkPath))
        {
            int rc;
            do rc = symlink(pt, pl); while (Interrupted(rc));
            if (rc != 0) throw Fail("symlink", linkPath);
        }
    }

    /// <inheritdoc />
    // linkat(2) without AT_SYMLINK_FOLLOW
    public void Link(string existingPath, string newPath)
    {
        fixed (byte* po = Utf8Z(existingPath), pn = Utf8Z(newPath))
        {
            int rc;
            do rc = linkat(AT_FDCWD, po, AT_FDCWD, pn, 0); while (Interrupted(rc));
            if (rc != 0) throw Fail("linkat", newPath);
        }
    }

    /// <inheritdoc />
    // renameat2(2)
    public void Rename(string oldPath, string newPath, bool noReplace)
    {
        fixed (byte* po = Utf8Z(oldPath), pn = Utf8Z(newPath))
        {
            int rc;
            do rc = renameat2(AT_FDCWD, po, AT_FDCWD, pn, noReplace ? RENAME_NOREPLACE : 0); while (Interrupted(rc));
            if (rc != 0) throw Fail("renameat2", newPath);
        }
    }

    /// <inheritdoc />
    // lstat(2)
    public bool TryLstat(string path, out FileStatus status)
    {
        stat st;
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = lstat(p, &st); while (Interrupted(rc));
            if (rc != 0)
            {
                int e = Errno();
                if (e == ENOENT || e == ENOTDIR) { status = default; return false; }
                throw new NativeCallException("lstat", path, e);
            }
        }
        status = ToStatus(in st);
        return true;
    }

    /// <inheritdoc />
    // lstat(2)
    public FileStatus Lstat(string path)
    {
        stat st;
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = lstat(p, &st); while (Interrupted(rc));
            if (rc != 0) throw Fail("lstat", path);
        }
        return ToStatus(in st);
    }

    /// <inheritdoc />
    // fstat(2)
    public FileStatus Fstat(SafeFileHandle handle)
    {
        stat st;
        using var fd = new FdLease(handle);
        int rc;
        do rc = fstat(fd.Fd, &st); while (Interrupted(rc));
        if (rc != 0) throw Fail("fstat", null);
        return ToStatus(in st);
    }

    /// <inheritdoc />
    // statfs(2)
    public long StatfsType(string path)
    {
        byte* buf = stackalloc byte[StatfsBufferSize];
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = statfs(p, buf); while (Interrupted(rc));
            if (rc != 0) throw Fail("statfs", path);
        }
        return *(nint*)buf;
    }

    /// <inheritdoc />
    // lsetxattr(2)
    public void Lsetxattr(string path, string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        fixed (byte* p = Utf8Z(path), n = Utf8Z(name), v = value)
        {
            int rc;
            do rc = lsetxattr(p, n, v, (nuint)value.Length, 0); while (Interrupted(rc));
            if (rc != 0) throw Fail("lsetxattr", path);
        }
    }

    /// <inheritdoc />
    // lgetxattr(2)
    public byte[]? Lgetxattr(string path, string name)
    {
        fixed (byte* p = Utf8Z(path), n = Utf8Z(name))
        {
            while (true)
            {
                nint size;
                do size = lgetxattr(p, n, null, 0); while (Interrupted(size));
                if (size < 0)
                {
                    int e = Errno();
                    if (e == ENODATA) return null;
                    throw new NativeCallException("lgetxattr", path, e);
                }
                byte[] value = new byte[size];
                nint got;
                fixed (byte* v = value)
                {
                    do got = lgetxattr(p, n, v, (nuint)value.Length); while (Interrupted(got));
                }
                if (got >= 0) return got == value.Length ? value : value[..(int)got];
                int e2 = Errno();
                if (e2 == ERANGE) continue; // grew between the two calls
                if (e2 == ENODATA) return null;
                throw new NativeCallException("lgetxattr", path, e2);
            }
        }
    }

    /// <inheritdoc />
    // llistxattr(2)
    public IReadOnlyList<string> Llistxattr(string path)
    {
        fixed (byte* p = Utf8Z(path))
        {
            while (true)
            {
                nint size;
                do size = llistxattr(p, null, 0); while (Interrupted(size));
                if (size < 0) throw Fail("llistxattr", path);
                if (size == 0) return [];
                byte[] list = new byte[size];
                nint got;
                fixed (byte* l = list)
                {
                    do got = llistxattr(p, l, (nuint)list.Length); while (Interrupted(got));
                }
                if (got < 0)
                {
                    int e = Errno();
                    if (e == ERANGE) continue;
                    throw new NativeCallException("llistxattr", path, e);
                }
                var names = new List<string>();
                int start = 0;
                for (int i = 0; i < got; i++)
                {
                    if (list[i] != 0) continue;
                    if (i > start) names.Add(Encoding.UTF8.GetString(list, start, i - start));
                    start = i + 1;
                }
                return names;
            }
        }
    }

    /// <inheritdoc />
    // utimensat(2) AT_SYMLINK_NOFOLLOW
    public void SetTimes(string path, long? accessTime, long? modificationTime)
    {
        timespec* times = stackalloc timespec[2];
        times[0] = ToTimespec(accessTime);
        times[1] = ToTimespec(modificationTime);
        fixed (byte* p = Utf8Z(path))
        {
            int rc;
            do rc = utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW); while (Interrupted(rc));
            if (rc != 0) throw Fail("utimensat", path);
        }
    }

    /// <inheritdoc />
    // kill(2)
    public bool Kill(int pid, Signal signal)
    {
        int rc;
        do rc = kill(pid, (int)signal); while (Interrupted(rc));
        if (rc == 0) return true;
        int e = Errno();
        if (e == ESRCH) return false;
        throw new NativeCallException("kill", null, e);
    }

    /// <summary>Tmds.LibC's <c>errno</c>, exposed so tests can check it agrees with <see cref="Errno"/>.</summary>
    internal static int TmdsErrno => errno;

    internal static int OpenRaw(string path, int flags, int mode)
    {
        fixed (byte* pp = Utf8Z(path))
        {
            int fd;
            do fd = open(pp, flags, (ushort)mode); while (Interrupted(fd));
            if (fd < 0) throw Fail("open", path);
            return fd;
        }
    }

    /// <summary>NUL-terminated UTF-8. An embedded NUL would silently truncate the path, so it is refused.</summary>
    internal static byte[] Utf8Z(string s)
    {
        if (s.Contains('\0')) throw new ArgumentException($"path contains a NUL character: {s.Replace('\0', '?')}", nameof(s));
        int n = Encoding.UTF8.GetByteCount(s);
        byte[] b = new byte[n + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, b, 0);
        return b;
    }

    /// <summary>errno of the last call (the runtime's captured copy, see <see cref="LibcImports"/>).</summary>
    private static int Errno() => Marshal.GetLastPInvokeError();

    private static bool Interrupted(nint rc) => rc < 0 && Marshal.GetLastPInvokeError() == EINTR;

    /// <summary>Reads errno first, then builds the exception (which formats text and may P/Invoke).</summary>
    private static NativeCallException Fail(string call, string? path)
    {
        int e = Errno();
        return new NativeCallException(call, path, e);
    }

    private static FileStatus ToStatus(in stat st) => new(
        Device: st.st_dev, Inode: st.st_ino, Mode: (ushort)st.st_mode, LinkCount: st.st_nlink,
        UserId: st.st_uid, GroupId: st.st_gid, RawDevice: st.st_rdev, Size: st.st_size,
        AccessTime: (long)st.st_atim.tv_sec * NanosecondsPerSecond + (long)st.st_atim.tv_nsec,
        ModificationTime: (long)st.st_mtim.tv_sec * NanosecondsPerSecond + (long)st.st_mtim.tv_nsec)
    {
        Blocks = (long)st.st_blocks,
    };

    private static timespec ToTimespec(long? nanoseconds)
    {
        if (nanoseconds is not long ns) return new timespec { tv_sec = 0, tv_nsec = UTIME_OMIT };
        long sec = Math.DivRem(ns, NanosecondsPerSecond, out long rem);
        if (rem < 0) { sec--; rem += NanosecondsPerSecond; }
        return new timespec { tv_sec = sec, tv_nsec = (long_t)rem };
    }

    /// <summary>Holds a reference on a SafeHandle so its descriptor stays valid (and unrecycled) during a call.</summary>
    private ref struct FdLease
    {
        private readonly SafeHandle _handle;
        private bool _added;

        public FdLease(SafeHandle handle)
        {
            ArgumentNullException.ThrowIfNull(handle);
            _handle = handle;
            _added = false;
            handle.DangerousAddRef(ref _added);
            Fd = (int)handle.DangerousGetHandle();
        }

        public int Fd { get; }

        public void Dispose()
        {
            if (_added) { _handle.DangerousRelease(); _added = false; }
        }
    }
}
