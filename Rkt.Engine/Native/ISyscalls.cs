// SPDX-License-Identifier: MIT
using Microsoft.Win32.SafeHandles;

namespace Rkt.Engine.Native;

/// <summary>Kinds of advisory lock (flock(2)).</summary>
public enum LockKind
{
    /// <summary>LOCK_SH: any number of holders.</summary>
    Shared,
    /// <summary>LOCK_EX: one holder, no shared holders.</summary>
    Exclusive,
}

/// <summary>
/// The narrow, .NET-typed view of the libc calls the engine needs. <see cref="Linux.LinuxSyscalls"/> is the
/// only real implementation; tests use a recording fake.
/// </summary>
/// <remarks>
/// Vocabulary and invariants:
/// <list type="bullet">
/// <item>Every failure is a <see cref="NativeCallException"/> naming the call, the path and the errno; EINTR is
/// retried inside. Methods documented as returning <c>false</c>/<c>null</c> for one errno throw for all others.</item>
/// <item>Methods whose name starts with <c>L</c> (and <see cref="Chmod"/>, <see cref="SetTimes"/>,
/// <see cref="Mkdir"/>, <see cref="Mknod"/>, <see cref="Mkfifo"/>, <see cref="Symlink"/>, <see cref="Link"/>)
/// never follow a symlink in the last path component. Intermediate components are resolved by the kernel as
/// usual; callers that handle untrusted trees check them first (see RootfsExtractor).</item>
/// <item>Modes passed to creating calls are filtered by the process umask, as in libc; callers that need exact
/// bits call <see cref="Chmod"/>/<see cref="Fchmod"/> afterwards (the engine never changes the umask).</item>
/// <item>Descriptors are always opened with O_CLOEXEC.</item>
/// </list>
/// Calls that change the whole process (fork, exec, unshare, setns, chroot, setuid, chdir, umask) are
/// deliberately absent: they are unsafe in the multithreaded engine and belong to stage1.
/// </remarks>
public interface ISyscalls
{
    /// <summary>geteuid(2).</summary>
    uint EffectiveUserId { get; }

    /// <summary>flock(2) on an open descriptor. Returns false when <paramref name="wait"/> is false and the lock is held elsewhere.</summary>
    bool Flock(SafeFileHandle handle, LockKind kind, bool wait);

    /// <summary>flock(LOCK_UN).</summary>
    void Unlock(SafeFileHandle handle);

    /// <summary>Opens a directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC) so it can be locked or fsynced.</summary>
    SafeFileHandle OpenDirectory(string path);

    /// <summary>open(2) with O_CLOEXEC added. <paramref name="mode"/> applies when a file is created.</summary>
    /// <remarks>Unlike File.OpenHandle this takes no implicit flock, so it is the way to open lock files.</remarks>
    SafeFileHandle Open(string path, OpenFlags flags, UnixFileMode mode);

    /// <summary>fsync(2) of a directory, making renames and creations inside it durable.</summary>
    void FsyncDirectory(string path);

    /// <summary>fsync(2) of an open file.</summary>
    void Fsync(SafeFileHandle handle);

    /// <summary>syncfs(2): flush the whole filesystem that contains the open file.</summary>
    void Syncfs(SafeFileHandle handle);

    /// <summary>fcntl(F_GETFD): whether FD_CLOEXEC is set.</summary>
    bool GetCloseOnExec(SafeFileHandle handle);

    /// <summary>
    /// fcntl(F_SETFD): set or clear FD_CLOEXEC. Clearing it makes every child spawned afterwards (by any thread)
    /// inherit the descriptor, e.g. the pod lock passed to stage1 as RKT_LOCK_FD; set it again after the spawn.
    /// </summary>
    void SetCloseOnExec(SafeFileHandle handle, bool closeOnExec);

    /// <summary>mount(2). <paramref name="source"/>, <paramref name="fileSystemType"/> and <paramref name="data"/> may be null.</summary>
    void Mount(string? source, string target, string? fileSystemType, MountFlags flags, string? data);

    /// <summary>umount2(2).</summary>
    void Unmount(string target, UnmountFlags flags);

    /// <summary>lchown(2): change the owner of the path itself (a symlink, not its target). -1 leaves an id unchanged.</summary>
    void Lchown(string path, int userId, int groupId);

    /// <summary>fchmodat(2) with AT_SYMLINK_NOFOLLOW: set all 12 permission bits; fails with EOPNOTSUPP on a symlink.</summary>
    void Chmod(string path, UnixFileMode mode);

    /// <summary>fchmod(2) of an open file.</summary>
    void Fchmod(SafeFileHandle handle, UnixFileMode mode);

    /// <summary>mkdir(2) of one directory; fails with EEXIST if the name exists (even as a symlink).</summary>
    void Mkdir(string path, UnixFileMode mode);

    /// <summary>mknod(2) of a character or block device.</summary>
    void Mknod(string path, DeviceKind kind, UnixFileMode mode, uint major, uint minor);

    /// <summary>mkfifo(3).</summary>
    void Mkfifo(string path, UnixFileMode mode);

    /// <summary>symlink(2): create <paramref name="linkPath"/> whose contents are <paramref name="target"/>, verbatim.</summary>
    void Symlink(string target, string linkPath);

    /// <summary>linkat(2) without AT_SYMLINK_FOLLOW: a new name for the inode at <paramref name="existingPath"/> itself.</summary>
    void Link(string existingPath, string newPath);

    /// <summary>renameat2(2); with <paramref name="noReplace"/> (RENAME_NOREPLACE) it fails with EEXIST instead of replacing.</summary>
    void Rename(string oldPath, string newPath, bool noReplace);

    /// <summary>lstat(2). Returns false for ENOENT and ENOTDIR (no such path), throws otherwise.</summary>
    bool TryLstat(string path, out FileStatus status);

    /// <summary>lstat(2).</summary>
    FileStatus Lstat(string path);

    /// <summary>fstat(2) of an open file.</summary>
    FileStatus Fstat(SafeFileHandle handle);

    /// <summary>statfs(2) <c>f_type</c> of the filesystem containing <paramref name="path"/> (see <see cref="FileSystemMagic"/>).</summary>
    long StatfsType(string path);

    /// <summary>lsetxattr(2): create or replace an extended attribute of the path itself.</summary>
    void Lsetxattr(string path, string name, byte[] value);

    /// <summary>lgetxattr(2). Returns null when the attribute does not exist (ENODATA).</summary>
    byte[]? Lgetxattr(string path, string name);

    /// <summary>llistxattr(2): the attribute names of the path itself (only those the caller may see).</summary>
    IReadOnlyList<string> Llistxattr(string path);

    /// <summary>
    /// utimensat(2) with AT_SYMLINK_NOFOLLOW: set access and modification times of the path itself, in
    /// nanoseconds since the epoch (see <see cref="UnixTime"/>). A null time is left unchanged (UTIME_OMIT).
    /// </summary>
    void SetTimes(string path, long? accessTime, long? modificationTime);

    /// <summary>kill(2). Returns false if the process does not exist (ESRCH). <see cref="Signal.None"/> only probes.</summary>
    bool Kill(int pid, Signal signal);
}
