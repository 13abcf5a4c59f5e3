// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary>mount(2) flags. Values are the kernel's <c>MS_*</c> constants (identical on every Linux architecture).</summary>
[Flags]
public enum MountFlags : ulong
{
    /// <summary>No flags: a plain new mount.</summary>
    None = 0,
    /// <summary><c>MS_RDONLY</c>.</summary>
    ReadOnly = 0x1,
    /// <summary><c>MS_NOSUID</c>.</summary>
    NoSuid = 0x2,
    /// <summary><c>MS_NODEV</c>.</summary>
    NoDev = 0x4,
    /// <summary><c>MS_NOEXEC</c>.</summary>
    NoExec = 0x8,
    /// <summary><c>MS_SYNCHRONOUS</c>.</summary>
    Synchronous = 0x10,
    /// <summary><c>MS_REMOUNT</c>: change the flags of an existing mount.</summary>
    Remount = 0x20,
    /// <summary><c>MS_MANDLOCK</c>.</summary>
    MandatoryLocking = 0x40,
    /// <summary><c>MS_DIRSYNC</c>.</summary>
    DirSync = 0x80,
    /// <summary><c>MS_NOSYMFOLLOW</c> (Linux 5.10+).</summary>
    NoSymFollow = 0x100,
    /// <summary><c>MS_NOATIME</c>.</summary>
    NoAtime = 0x400,
    /// <summary><c>MS_NODIRATIME</c>.</summary>
    NoDirAtime = 0x800,
    /// <summary><c>MS_BIND</c>: bind mount <c>source</c> onto <c>target</c>.</summary>
    Bind = 0x1000,
    /// <summary><c>MS_MOVE</c>.</summary>
    Move = 0x2000,
    /// <summary><c>MS_REC</c>: apply recursively (with <see cref="Bind"/> or a propagation flag).</summary>
    Recursive = 0x4000,
    /// <summary><c>MS_SILENT</c>.</summary>
    Silent = 0x8000,
    /// <summary><c>MS_POSIXACL</c>.</summary>
    PosixAcl = 0x10000,
    /// <summary><c>MS_UNBINDABLE</c> propagation type.</summary>
    Unbindable = 0x20000,
    /// <summary><c>MS_PRIVATE</c> propagation type.</summary>
    Private = 0x40000,
    /// <summary><c>MS_SLAVE</c> propagation type.</summary>
    Slave = 0x80000,
    /// <summary><c>MS_SHARED</c> propagation type.</summary>
    Shared = 0x100000,
    /// <summary><c>MS_RELATIME</c>.</summary>
    RelAtime = 0x200000,
    /// <summary><c>MS_STRICTATIME</c>.</summary>
    StrictAtime = 0x1000000,
    /// <summary><c>MS_LAZYTIME</c>.</summary>
    LazyTime = 0x2000000,
}

/// <summary>umount2(2) flags (<c>MNT_*</c>, <c>UMOUNT_NOFOLLOW</c>).</summary>
[Flags]
public enum UnmountFlags
{
    /// <summary>Plain unmount; fails with EBUSY while the mount is in use.</summary>
    None = 0,
    /// <summary><c>MNT_FORCE</c>.</summary>
    Force = 0x1,
    /// <summary><c>MNT_DETACH</c>: lazy unmount, detached now and cleaned up when no longer busy.</summary>
    Detach = 0x2,
    /// <summary><c>MNT_EXPIRE</c>.</summary>
    Expire = 0x4,
    /// <summary><c>UMOUNT_NOFOLLOW</c>: do not dereference <c>target</c> if it is a symlink.</summary>
    NoFollow = 0x8,
}
