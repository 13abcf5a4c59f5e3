// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Store.Tree;

/// <summary>
/// An untrusted archive was refused by <see cref="RootfsExtractor"/>. <see cref="ErrorId"/> is stable and is
/// what the PowerShell layer reports; the message names the entry and the rule it broke.
/// </summary>
public sealed class UnsafeArchiveException : Exception
{
    /// <summary>An entry tries to leave the destination: absolute or <c>..</c> path, a path or hard-link target through a symlink, a hard link out of the tree.</summary>
    public const string UnsafeTarEntry = "UnsafeTarEntry";

    /// <summary>An entry type the extractor does not create (sparse files, multi-volume, directory lists, …).</summary>
    public const string UnsupportedTarEntry = "UnsupportedTarEntry";

    /// <summary>An entry is well-formed but cannot be applied: a hard link to a missing or non-regular file, replacing a non-empty directory, a file below a file.</summary>
    public const string InvalidTarEntry = "InvalidTarEntry";

    /// <summary>The tar stream itself is malformed (bad header, truncated data).</summary>
    public const string CorruptArchive = "CorruptArchive";

    /// <summary>Creates the exception.</summary>
    public UnsafeArchiveException(string errorId, string? entryName, string message, Exception? inner = null)
        : base(entryName is null ? message : $"tar entry '{entryName}': {message}", inner)
    {
        ErrorId = errorId;
        EntryName = entryName;
    }

    /// <summary>One of the constants of this class.</summary>
    public string ErrorId { get; }

    /// <summary>The entry name as found in the archive (not cleaned), when the problem is about one entry.</summary>
    public string? EntryName { get; }
}
