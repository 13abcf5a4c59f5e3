// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Store.Tree;

/// <summary>What <see cref="RootfsExtractor.Extract"/> writes and how.</summary>
public sealed class ExtractOptions
{
    /// <summary>
    /// Decides per entry whether it is extracted. It receives the cleaned entry name relative to the archive
    /// root, before <see cref="StripPrefix"/> is applied (so ACI names look like <c>rootfs/bin/sh</c>, or
    /// <c>rootfs</c> for the rootfs directory itself); no leading <c>./</c> or <c>/</c>, no trailing <c>/</c>.
    /// Null extracts everything. This is where the tree renderer plugs in acirenderer's whitelist and
    /// first-wins decisions.
    /// </summary>
    public Func<string, bool>? Filter { get; init; }

    /// <summary>
    /// Keep whatever already exists: an entry whose path exists (of any type) is skipped with
    /// <see cref="SkipReason.Exists"/>, and an entry below an existing non-directory (e.g. below a symlink laid by
    /// an upper image) with <see cref="SkipReason.ShadowedByNonDirectory"/>. Used when images are extracted top
    /// first, so upper images win. An existing directory keeps its own mode, owner and times (unlike rkt, where
    /// the lowest image's <c>rootfs</c> directory metadata ends up on disk). When false, later entries replace
    /// earlier non-directories and empty directories, and an entry below a symlink is refused.
    /// </summary>
    public bool NoOverwrite { get; init; }

    /// <summary>
    /// With <see cref="NoOverwrite"/>: a directory entry whose path already exists as a real directory is not
    /// skipped but gives that directory its mode, owner and times. For the tree renderer, whose filter only lets
    /// through paths no upper image laid down, so an existing directory there is an implicit parent created 0755
    /// for an upper image's file, and the first explicit entry for the path is the one that should describe it
    /// (appc: the first copy of a path wins).
    /// </summary>
    public bool AdoptExistingDirectories { get; init; }

    /// <summary>
    /// When set (e.g. <c>rootfs</c>), only entries equal to or below this directory are extracted, with the
    /// prefix removed (the prefix directory itself maps to the destination). Others are skipped with
    /// <see cref="SkipReason.OutsidePrefix"/>. Hard-link targets must lie below it too.
    /// </summary>
    public string? StripPrefix { get; init; }

    /// <summary>lchown every entry to the archive's uid/gid (root only; no uid shifting).</summary>
    public bool PreserveOwnership { get; init; }

    /// <summary>Create character and block devices (root only); otherwise they are skipped with <see cref="SkipReason.DeviceNotPermitted"/>.</summary>
    public bool CreateDevices { get; init; }

    /// <summary>
    /// Restore extended attributes of regular files whose names start with <c>user.</c> or
    /// <c>security.capability</c> (as rkt does). <c>security.capability</c> needs root (CAP_SETFCAP).
    /// </summary>
    public bool RestoreXattrs { get; init; } = true;
}

/// <summary>Why an entry was not extracted.</summary>
public enum SkipReason
{
    /// <summary><see cref="ExtractOptions.Filter"/> returned false.</summary>
    Filtered,
    /// <summary>The entry is not below <see cref="ExtractOptions.StripPrefix"/>.</summary>
    OutsidePrefix,
    /// <summary>The path already exists and <see cref="ExtractOptions.NoOverwrite"/> is set.</summary>
    Exists,
    /// <summary>An ancestor of the path exists as a non-directory and <see cref="ExtractOptions.NoOverwrite"/> is set.</summary>
    ShadowedByNonDirectory,
    /// <summary>A device node while <see cref="ExtractOptions.CreateDevices"/> is false.</summary>
    DeviceNotPermitted,
}

/// <summary>An entry that was not extracted, by cleaned name.</summary>
public readonly record struct SkippedEntry(string Name, SkipReason Reason);

/// <summary>What one extraction wrote.</summary>
public sealed record ExtractResult
{
    /// <summary>Regular files written.</summary>
    public int Files { get; init; }
    /// <summary>Directories created or updated by a directory entry (implicit parents are not counted).</summary>
    public int Directories { get; init; }
    /// <summary>Symbolic links created.</summary>
    public int Symlinks { get; init; }
    /// <summary>Hard links created.</summary>
    public int HardLinks { get; init; }
    /// <summary>Device nodes and FIFOs created.</summary>
    public int SpecialFiles { get; init; }
    /// <summary>Bytes of regular-file data written.</summary>
    public long Bytes { get; init; }
    /// <summary>Entries not extracted, in archive order.</summary>
    public IReadOnlyList<SkippedEntry> Skipped { get; init; } = [];

    /// <summary>
    /// Directories whose metadata this run applied, with the times it set, so a caller that extracts several
    /// archives into one tree can restore directory times after later archives added entries.
    /// </summary>
    public IReadOnlyList<DirectoryTimes> DirectoryTimes { get; init; } = [];
}

/// <summary>A directory (path relative to the destination) and the access and modification times (ns) it was given.</summary>
public readonly record struct DirectoryTimes(string Path, long AccessTime, long ModificationTime);
