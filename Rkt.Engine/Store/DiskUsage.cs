// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;

namespace Rkt.Engine.Store;

/// <summary>What a walk of a directory found: bytes allocated on disk and entries.</summary>
/// <param name="Bytes">st_blocks × 512 of every inode not counted before (what <c>du</c> reports).</param>
/// <param name="Files">Non-directory entries (every name, hard links included).</param>
/// <param name="ApparentBytes">Sum of st_size of regular files not counted before.</param>
public readonly record struct DiskUsageFigures(long Bytes, long Files, long ApparentBytes)
{
    /// <summary>Adds two measurements.</summary>
    public static DiskUsageFigures operator +(DiskUsageFigures a, DiskUsageFigures b) =>
        new(a.Bytes + b.Bytes, a.Files + b.Files, a.ApparentBytes + b.ApparentBytes);
}

/// <summary>
/// Measures disk use like <c>du</c>: lstat every entry (nothing is followed), count each inode once per
/// <see cref="Seen"/> set, so hard links shared between the areas measured with one instance count once, in
/// the area measured first.
/// </summary>
public sealed class DiskUsage(ISyscalls sys)
{
    /// <summary>Inodes already counted.</summary>
    public HashSet<(ulong Device, ulong Inode)> Seen { get; } = [];

    /// <summary>Measures <paramref name="path"/> (a file or a directory tree); a missing path is zero.</summary>
    public DiskUsageFigures Measure(string path, CancellationToken cancellationToken = default)
    {
        if (!sys.TryLstat(path, out FileStatus st)) return default;
        return Measure(path, st, cancellationToken);
    }

    private DiskUsageFigures Measure(string path, FileStatus st, CancellationToken ct)
    {
        var total = new DiskUsageFigures(0, st.Kind == FileKind.Directory ? 0 : 1, 0);
        if (Seen.Add((st.Device, st.Inode)))
            total += new DiskUsageFigures(st.Blocks * 512, 0, st.Kind == FileKind.RegularFile ? st.Size : 0);
        if (st.Kind != FileKind.Directory) return total;
        ct.ThrowIfCancellationRequested();
        IEnumerable<string> children;
        try { children = Directory.EnumerateFileSystemEntries(path).ToList(); }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException) { return total; }
        foreach (string child in children)
            if (sys.TryLstat(child, out FileStatus cst)) total += Measure(child, cst, ct);
        return total;
    }
}
