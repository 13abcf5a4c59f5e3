// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Cas;

/// <summary>Paths under <c>$DATA/cas</c>, following rkt's layout (see docs/architecture.md "On disk").</summary>
public sealed class CasLayout(string casDirectory)
{
    public string Root { get; } = casDirectory;
    public string Tmp => Path.Combine(Root, "tmp");
    public string Db => Path.Combine(Root, "db");
    public string DbFile => Path.Combine(Db, "index.db");
    public string DbLock => Path.Combine(Db, "lock");
    public string DbBackups => Path.Combine(Root, "db-backups");
    public string ImageLocks => Path.Combine(Root, "imagelocks");
    public string Trees => Path.Combine(Root, "tree");
    public string TreeLocks => Path.Combine(Root, "treestorelocks");

    /// <summary><c>cas/blob/sha512/&lt;hh&gt;/&lt;key&gt;</c>: the uncompressed image tar.</summary>
    public string Blob(ImageId id) => Path.Combine(Root, "blob", "sha512", id.Hex[..2], id.Value);

    /// <summary><c>cas/imageManifest/sha512/&lt;hh&gt;/&lt;key&gt;</c>: normalized manifest JSON.</summary>
    public string Manifest(ImageId id) => Path.Combine(Root, "imageManifest", "sha512", id.Hex[..2], id.Value);

    /// <summary>Per-image lock file.</summary>
    public string ImageLock(ImageId id) => Path.Combine(ImageLocks, id.Value);
}
