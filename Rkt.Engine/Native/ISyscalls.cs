// SPDX-License-Identifier: MIT
using Microsoft.Win32.SafeHandles;

namespace Rkt.Engine.Native;

/// <summary>Kinds of advisory lock (flock(2)).</summary>
public enum LockKind { Shared, Exclusive }

/// <summary>
/// The narrow, .NET-typed view of the libc calls the engine needs. <see cref="Linux.LinuxSyscalls"/> is the
/// only real implementation; tests use a recording fake. Calls that change the whole process (fork, exec,
/// unshare, chroot, setuid, chdir, umask) are deliberately absent: they belong to stage1.
/// </summary>
public interface ISyscalls
{
    /// <summary>flock(2) on an open descriptor. Returns false when <paramref name="wait"/> is false and the lock is held elsewhere.</summary>
    bool Flock(SafeFileHandle handle, LockKind kind, bool wait);

    /// <summary>flock(LOCK_UN).</summary>
    void Unlock(SafeFileHandle handle);

    /// <summary>Opens a directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC) so it can be locked or fsynced.</summary>
    SafeFileHandle OpenDirectory(string path);

    /// <summary>Opens (creating 0660 if missing) a lock file with O_RDONLY|O_CLOEXEC, bypassing .NET's own FileShare flock emulation.</summary>
    SafeFileHandle OpenLockFile(string path);

    /// <summary>fsync(2) of a directory, making renames and creations inside it durable.</summary>
    void FsyncDirectory(string path);

    /// <summary>geteuid(2).</summary>
    uint EffectiveUserId { get; }
}
