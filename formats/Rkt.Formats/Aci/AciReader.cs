// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using Rkt.Formats.Appc;

namespace Rkt.Formats.Aci;

/// <summary>An image archive breaks the ACI layout rules. <see cref="ErrorId"/> is stable.</summary>
public sealed class InvalidAciException(string errorId, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>ManifestMissing, UnsafeTarEntry, InvalidArchive.</summary>
    public string ErrorId { get; } = errorId;
}

/// <summary>What a scan of an uncompressed ACI tar found.</summary>
public sealed record AciScan(ImageManifest Manifest, byte[] ManifestJson, int EntryCount, long ContentBytes);

/// <summary>
/// Reads an uncompressed ACI tar: finds and validates <c>manifest</c>, and checks every entry name against the
/// layout (<c>manifest</c>, <c>rootfs</c>, <c>rootfs/...</c>). Absolute names and <c>..</c> components are
/// rejected at import (decision recorded in docs/architecture.md); symlink targets are data and are never
/// followed by the extractor.
/// </summary>
public static class AciReader
{
    /// <summary>Largest manifest we accept (rkt has none; 1 MiB is far above real manifests).</summary>
    public const int MaxManifestBytes = 1 << 20;

    /// <summary>Normalizes an entry name (<c>./rootfs//a/</c> → <c>rootfs/a</c>) or returns null when it is unsafe.</summary>
    public static string? CleanName(string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\0')) return null;
        var parts = new List<string>();
        foreach (string p in name.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..") return null;
            parts.Add(p);
        }
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }

    /// <summary>
    /// Scans the whole tar. Throws <see cref="InvalidAciException"/> (layout and archive errors) or
    /// <see cref="ManifestException"/> (the manifest fails validation). The rules follow appc's archive validation
    /// (<c>.</c> is allowed, <c>rootfs</c> must be a directory, no entry twice) plus what extraction needs to be
    /// safe: no entry beneath an earlier non-directory (a symlink would redirect it) and hard links only to earlier
    /// non-directory entries inside rootfs.
    /// </summary>
    public static AciScan Scan(Stream tar, CancellationToken cancellationToken = default)
    {
        byte[]? manifest = null;
        bool rootfs = false;
        int count = 0;
        long bytes = 0;
        // Every name seen, with whether it is a directory; needed for duplicates, parents and hard-link targets.
        var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            TarEntry? e;
            while ((e = reader.GetNextEntry(copyData: false)) is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (e.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                count++;
                string? clean = CleanName(e.Name);
                if (clean is null) throw new InvalidAciException("UnsafeTarEntry", $"tar entry \"{e.Name}\" is an absolute path or climbs out with \"..\"");
                bool isDir = e.EntryType is TarEntryType.Directory;
                if (clean == ".")
                {
                    if (!isDir) throw new InvalidAciException("InvalidArchive", $"tar entry \"{e.Name}\" names the archive root but is not a directory");
                    continue;
                }
                if (clean != "manifest" && clean != "rootfs" && !clean.StartsWith("rootfs/", StringComparison.Ordinal))
                    throw new InvalidAciException("InvalidArchive", $"tar entry \"{e.Name}\" is outside the ACI layout (only manifest and rootfs/ are allowed)");
                if (clean == "rootfs" && !isDir) throw new InvalidAciException("InvalidArchive", "the rootfs entry is not a directory");
                if (seen.ContainsKey(clean))
                {
                    if (clean == "manifest") throw new InvalidAciException("InvalidArchive", "the archive has more than one manifest entry");
                    throw new InvalidAciException("InvalidArchive", $"tar entry \"{e.Name}\" appears more than once");
                }
                for (int slash = clean.IndexOf('/'); slash > 0; slash = clean.IndexOf('/', slash + 1))
                    if (seen.TryGetValue(clean[..slash], out bool parentIsDir) && !parentIsDir)
                        throw new InvalidAciException("UnsafeTarEntry", $"tar entry \"{e.Name}\" lies beneath \"{clean[..slash]}\", which is not a directory");
                if (e.EntryType is TarEntryType.HardLink)
                {
                    string? target = CleanName(e.LinkName);
                    if (target is null || !target.StartsWith("rootfs/", StringComparison.Ordinal))
                        throw new InvalidAciException("UnsafeTarEntry", $"hard link \"{e.Name}\" points outside rootfs (\"{e.LinkName}\")");
                    if (!seen.TryGetValue(target, out bool targetIsDir) || targetIsDir)
                        throw new InvalidAciException("InvalidArchive", $"hard link \"{e.Name}\" must point to an earlier file entry (\"{e.LinkName}\")");
                }
                seen[clean] = isDir;
                if (clean == "rootfs" || clean.StartsWith("rootfs/", StringComparison.Ordinal)) rootfs = true;
                if (clean == "manifest")
                {
                    if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                        throw new InvalidAciException("InvalidArchive", "the manifest entry is not a regular file");
                    if (e.Length > MaxManifestBytes) throw new InvalidAciException("InvalidArchive", $"the manifest is larger than {MaxManifestBytes} bytes");
                    using var ms = new MemoryStream();
                    e.DataStream?.CopyTo(ms);
                    if (ms.Length != e.Length) throw new EndOfStreamException("the manifest entry is cut short");
                    manifest = ms.ToArray();
                }
                else if (e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile) bytes += e.Length;
            }
        }
        // ManifestException derives from FormatException but is only thrown after this block; the filter
        // excludes it anyway so a later refactoring cannot turn a manifest error into InvalidArchive.
        catch (Exception ex) when ((ex is InvalidDataException or EndOfStreamException or FormatException or OverflowException
                                       or ArgumentOutOfRangeException) && ex is not ManifestException)
        {
            throw new InvalidAciException("InvalidArchive", $"the image tar is corrupt or truncated: {ex.Message}", ex);
        }
        if (manifest is null) throw new InvalidAciException("ManifestMissing", "the image has no manifest entry");
        if (!rootfs) throw new InvalidAciException("InvalidArchive", "the image has no rootfs directory");
        return new AciScan(ImageManifest.Parse(manifest), manifest, count, bytes);
    }
}
