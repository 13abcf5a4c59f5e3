// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary>errno values (asm-generic numbering, used by x86-64 and arm64) for matching <see cref="NativeCallException.Errno"/>.</summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>No such file or directory.</summary>
    public const int ENOENT = 2;
    /// <summary>No such process.</summary>
    public const int ESRCH = 3;
    /// <summary>Interrupted system call (retried inside the wrappers).</summary>
    public const int EINTR = 4;
    /// <summary>I/O error.</summary>
    public const int EIO = 5;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>Try again (EWOULDBLOCK).</summary>
    public const int EAGAIN = 11;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>File exists.</summary>
    public const int EEXIST = 17;
    /// <summary>Cross-device link.</summary>
    public const int EXDEV = 18;
    /// <summary>No such device (e.g. unknown filesystem type for mount).</summary>
    public const int ENODEV = 19;
    /// <summary>Not a directory.</summary>
    public const int ENOTDIR = 20;
    /// <summary>Is a directory.</summary>
    public const int EISDIR = 21;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>No space left on device.</summary>
    public const int ENOSPC = 28;
    /// <summary>Read-only file system.</summary>
    public const int EROFS = 30;
    /// <summary>Result too large (buffer too small).</summary>
    public const int ERANGE = 34;
    /// <summary>Directory not empty.</summary>
    public const int ENOTEMPTY = 39;
    /// <summary>Too many symbolic links (O_NOFOLLOW on a symlink).</summary>
    public const int ELOOP = 40;
    /// <summary>No such attribute (ENOATTR).</summary>
    public const int ENODATA = 61;
    /// <summary>Operation not supported (ENOTSUP).</summary>
    public const int EOPNOTSUPP = 95;
}
