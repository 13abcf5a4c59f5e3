// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary>File types as reported by lstat(2) (<c>S_IFMT</c> bits).</summary>
public enum FileKind
{
    /// <summary>Type bits not recognised.</summary>
    Unknown,
    /// <summary><c>S_IFREG</c>.</summary>
    RegularFile,
    /// <summary><c>S_IFDIR</c>.</summary>
    Directory,
    /// <summary><c>S_IFLNK</c>.</summary>
    SymbolicLink,
    /// <summary><c>S_IFCHR</c>.</summary>
    CharacterDevice,
    /// <summary><c>S_IFBLK</c>.</summary>
    BlockDevice,
    /// <summary><c>S_IFIFO</c>.</summary>
    Fifo,
    /// <summary><c>S_IFSOCK</c>.</summary>
    Socket,
}

/// <summary>
/// The parts of <c>struct stat</c> the engine uses (.NET's FileSystemInfo has no owner, inode, device or link
/// count). Times are nanoseconds since the Unix epoch (see <see cref="UnixTime"/>).
/// </summary>
/// <param name="Device">st_dev: the filesystem the inode lives on.</param>
/// <param name="Inode">st_ino.</param>
/// <param name="Mode">st_mode: type bits and the 12 permission bits.</param>
/// <param name="LinkCount">st_nlink.</param>
/// <param name="UserId">st_uid.</param>
/// <param name="GroupId">st_gid.</param>
/// <param name="RawDevice">st_rdev: the device number of a device node.</param>
/// <param name="Size">st_size in bytes.</param>
/// <param name="AccessTime">st_atim in nanoseconds since the epoch.</param>
/// <param name="ModificationTime">st_mtim in nanoseconds since the epoch.</param>
public readonly record struct FileStatus(
    ulong Device, ulong Inode, uint Mode, ulong LinkCount, uint UserId, uint GroupId,
    ulong RawDevice, long Size, long AccessTime, long ModificationTime)
{
    private const uint TypeMask = 0xF000;

    /// <summary>The file type from the <c>S_IFMT</c> bits of <see cref="Mode"/>.</summary>
    public FileKind Kind => (Mode & TypeMask) switch
    {
        0x8000 => FileKind.RegularFile,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.SymbolicLink,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0x1000 => FileKind.Fifo,
        0xC000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    /// <summary>Permission bits including setuid, setgid and sticky.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    /// <summary>Major number of <see cref="RawDevice"/> (glibc's <c>gnu_dev_major</c> encoding).</summary>
    public uint DeviceMajor => DeviceNumber.Major(RawDevice);

    /// <summary>Minor number of <see cref="RawDevice"/>.</summary>
    public uint DeviceMinor => DeviceNumber.Minor(RawDevice);

    /// <summary>st_blocks: 512-byte units allocated on disk (what <c>du</c> counts; 0 when unknown).</summary>
    public long Blocks { get; init; }
}

/// <summary>glibc's 64-bit <c>dev_t</c> encoding (makedev/major/minor).</summary>
public static class DeviceNumber
{
    /// <summary>makedev(3).</summary>
    public static ulong Make(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000u) << 32) | ((ulong)(major & 0xFFFu) << 8) |
        ((ulong)(minor & 0xFFFFFF00u) << 12) | (minor & 0xFFu);

    /// <summary>major(3).</summary>
    public static uint Major(ulong dev) => (uint)(((dev >> 32) & 0xFFFFF000u) | ((dev >> 8) & 0xFFFu));

    /// <summary>minor(3).</summary>
    public static uint Minor(ulong dev) => (uint)(((dev >> 12) & 0xFFFFFF00u) | (dev & 0xFFu));
}

/// <summary>
/// Conversions between <see cref="DateTimeOffset"/> and the engine's file-time unit, a <c>long</c> count of
/// nanoseconds since 1970-01-01T00:00:00Z (range 1677–2262). DateTimeOffset has 100 ns ticks, so converting
/// from it is exact and converting back truncates the last two digits.
/// </summary>
public static class UnixTime
{
    private const long NanosecondsPerTick = 100;

    /// <summary>Nanoseconds since the epoch for a point in time.</summary>
    public static long ToNanoseconds(DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosecondsPerTick;

    /// <summary>The point in time for nanoseconds since the epoch (truncated to 100 ns).</summary>
    public static DateTimeOffset FromNanoseconds(long nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(Math.DivRem(nanoseconds, NanosecondsPerTick, out long rem) - (rem < 0 ? 1 : 0));
}
