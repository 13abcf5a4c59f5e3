// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Engine.Model;

/// <summary>
/// An image in the store, as <c>Get-RktImage</c> returns it. <see cref="Size"/> is blob plus tree store, as
/// <c>rkt image list</c> adds them; the parts are <see cref="BlobSize"/> and <see cref="TreeStoreSize"/>.
/// </summary>
public sealed class RktImage
{
    /// <summary>Full key, <c>sha512-</c> + 64 hex.</summary>
    public required string Id { get; init; }
    /// <summary><c>sha512-</c> + 12 hex (what tables show; <c>-Id</c> accepts it back).</summary>
    public string ShortId => Id.Length > 19 ? Id[..19] : Id;
    public required string Name { get; init; }
    public string? Version { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    /// <summary>Bytes: blob + tree store.</summary>
    public long Size => BlobSize + TreeStoreSize;
    /// <summary>Bytes of the uncompressed tar in the store.</summary>
    public long BlobSize { get; init; }
    /// <summary>Bytes of rendered trees that belong to this image.</summary>
    public long TreeStoreSize { get; init; }
    public DateTime ImportTime { get; init; }
    public DateTime LastUsed { get; init; }
    /// <summary>True when fetched by name with no version asked (rkt's <c>latest</c>).</summary>
    public bool Latest { get; init; }
    public required ImageManifest Manifest { get; init; }
    /// <summary>The data directory the image lives in (lets piped objects find their store).</summary>
    public string? DataDirectory { get; init; }

    /// <summary><c>name:version</c> or <c>name</c>.</summary>
    public string DisplayName => Version is null ? Name : $"{Name}:{Version}";

    /// <inheritdoc />
    public override string ToString() => $"{DisplayName} ({ShortId})";
}
