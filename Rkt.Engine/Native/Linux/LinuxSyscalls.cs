// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;
using static Rkt.Engine.Native.Linux.LibcImports;

namespace Rkt.Engine.Native.Linux;

/// <summary>The real syscall layer over Tmds.LibC. Each wrapper retries on EINTR and throws <see cref="NativeCallException"/>.</summary>
public sealed unsafe class LinuxSyscalls : ISyscalls
{
    /// <summary>The process-wide instance.</summary>
    public static readonly LinuxSyscalls Instance = new();

    /// <summary>strerror(3) text for an errno.</summary>
    public static string StrError(int errno)
    {
        byte* s = strerror(errno);
        return s == null ? $"errno {errno}" : Marshal.PtrToStringUTF8((IntPtr)s) ?? $"errno {errno}";
    }

    /// <inheritdoc />
    public uint EffectiveUserId => geteuid();

    /// <inheritdoc />
    // flock(2)
    public bool Flock(SafeFileHandle handle, LockKind kind, bool wait)
    {
        int op = (kind == LockKind.Shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                if (flock(fd, op) == 0) return true;
                int e = errno;
                if (e == EINTR) continue;
                if (e == EWOULDBLOCK && !wait) return false;
                throw new NativeCallException("flock", null, e);
            }
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <inheritdoc />
    public void Unlock(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            while (flock(fd, LOCK_UN) != 0)
            {
                int e = errno;
                if (e != EINTR) throw new NativeCallException("flock", null, e);
            }
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <inheritdoc />
    // open(2) with O_DIRECTORY
    public SafeFileHandle OpenDirectory(string path)
    {
        int fd = OpenRaw(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <inheritdoc />
    // open(2) with O_CREAT
    public SafeFileHandle OpenLockFile(string path)
    {
        int fd = OpenRaw(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0x1b0 /* 0660 */);
        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <inheritdoc />
    // fsync(2)
    public void FsyncDirectory(string path)
    {
        using SafeFileHandle h = OpenDirectory(path);
        int fd = (int)h.DangerousGetHandle();
        while (fsync(fd) != 0)
        {
            int e = errno;
            if (e != EINTR) throw new NativeCallException("fsync", path, e);
        }
    }

    internal static int OpenRaw(string path, int flags, int mode)
    {
        byte[] p = Utf8Z(path);
        fixed (byte* pp = p)
        {
            while (true)
            {
                int fd = open(pp, flags, (mode_t)mode);
                if (fd >= 0) return fd;
                int e = errno;
                if (e != EINTR) throw new NativeCallException("open", path, e);
            }
        }
    }

    internal static byte[] Utf8Z(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        byte[] b = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, b, 0);
        return b;
    }
}
