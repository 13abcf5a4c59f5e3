// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary><c>statfs.f_type</c> values (linux/magic.h) the engine cares about.</summary>
public static class FileSystemMagic
{
    /// <summary>TMPFS_MAGIC.</summary>
    public const long Tmpfs = 0x01021994;
    /// <summary>EXT4_SUPER_MAGIC (shared by ext2/ext3/ext4).</summary>
    public const long Ext4 = 0xEF53;
    /// <summary>XFS_SUPER_MAGIC.</summary>
    public const long Xfs = 0x58465342;
    /// <summary>BTRFS_SUPER_MAGIC.</summary>
    public const long Btrfs = 0x9123683E;
    /// <summary>OVERLAYFS_SUPER_MAGIC.</summary>
    public const long Overlay = 0x794C7630;
    /// <summary>AUFS_SUPER_MAGIC: cannot host overlay layers.</summary>
    public const long Aufs = 0x61756673;
    /// <summary>ZFS_SUPER_MAGIC: cannot host overlay layers (before OpenZFS 2.2).</summary>
    public const long Zfs = 0x2FC12FC1;
}
