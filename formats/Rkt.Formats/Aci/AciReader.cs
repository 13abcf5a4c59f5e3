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

    /// <summary>Scans the whole tar. Throws <see cref="InvalidAciException"/> or <see cref="ManifestException"/>.</summary>
    public static AciScan Scan(Stream tar, CancellationToken cancellationToken = default)
    {
        byte[]? manifest = null;
        int count = 0;
        long bytes = 0;
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
                if (clean != "manifest" && clean != "rootfs" && !clean.StartsWith("rootfs/", StringComparison.Ordinal))
                    throw new InvalidAciException("InvalidArchive", $"tar entry \"{e.Name}\" is outside the ACI layout (only manifest and rootfs/ are allowed)");
                if (e.EntryType is TarEntryType.HardLink)
                {
                    string? target = CleanName(e.LinkName);
                    if (target is null || !target.StartsWith("rootfs/", StringComparison.Ordinal))
                        throw new InvalidAciException("UnsafeTarEntry", $"hard link \"{e.Name}\" points outside rootfs (\"{e.LinkName}\")");
                }
                if (clean == "manifest")
                {
                    if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                        throw new InvalidAciException("InvalidArchive", "the manifest entry is not a regular file");
                    if (e.Length > MaxManifestBytes) throw new InvalidAciException("InvalidArchive", $"the manifest is larger than {MaxManifestBytes} bytes");
                    using var ms = new MemoryStream();
                    e.DataStream?.CopyTo(ms);
                    manifest = ms.ToArray();
                }
                else if (e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile) bytes += e.Length;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException && ex is not ManifestException)
        {
            throw new InvalidAciException("InvalidArchive", $"the image tar is corrupt or truncated: {ex.Message}", ex);
        }
        if (manifest is null) throw new InvalidAciException("ManifestMissing", "the image has no manifest entry");
        return new AciScan(ImageManifest.Parse(manifest), manifest, count, bytes);
    }
}
