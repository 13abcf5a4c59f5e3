// SPDX-License-Identifier: MIT
using LiteDB;

namespace Rkt.Engine.Store.Index;

/// <summary>rkt's <c>aciinfo</c> row: one per image in the store.</summary>
public sealed class AciInfoRow
{
    [BsonId] public string BlobKey { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTime ImportTime { get; set; }
    public DateTime LastUsed { get; set; }
    public bool Latest { get; set; }
    /// <summary>Bytes of the uncompressed tar.</summary>
    public long Size { get; set; }
    /// <summary>Sum of the sizes of this image's rendered trees (kept in step with <see cref="TreeRow"/>s).</summary>
    public long TreeStoreSize { get; set; }
}

/// <summary>rkt's <c>remote</c> row: what an URL last resolved to, for the HTTP cache.</summary>
public sealed class RemoteRow
{
    [BsonId] public string AciUrl { get; set; } = "";
    public string SigUrl { get; set; } = "";
    public string ETag { get; set; } = "";
    public string BlobKey { get; set; } = "";
    public long CacheMaxAge { get; set; }
    public DateTime DownloadTime { get; set; }
}

/// <summary>A rendered tree in the tree store (our addition: rkt kept one size per image, issue #2968).</summary>
public sealed class TreeRow
{
    [BsonId] public string TreeId { get; set; } = "";
    /// <summary>The top image the tree was rendered for.</summary>
    public string BlobKey { get; set; } = "";
    /// <summary>Every image key in the flattened dependency list, top first.</summary>
    public List<string> ImageKeys { get; set; } = [];
    public long Size { get; set; }
    public DateTime RenderTime { get; set; }
    public DateTime LastUsed { get; set; }
    /// <summary>Content hash of the rendered tree (docs/architecture.md "Tree hash").</summary>
    public string Hash { get; set; } = "";
}

/// <summary>Single-row schema version document.</summary>
public sealed class SchemaRow
{
    [BsonId] public string Id { get; set; } = "schema";
    public int Version { get; set; }
}
