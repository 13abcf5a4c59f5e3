// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Tests.Images;

namespace Rkt.Engine.Tests.Tree;

/// <summary>
/// An appc image layout (<c>manifest</c> + <c>rootfs/</c>) created on disk with real files, turned into an ACI by
/// Debian's <c>actool build</c> (appc-spec). Every entry gets a fixed mtime (default <see cref="DefaultMtime"/>)
/// and owner, applied deepest first after all content exists, so the tar actool writes is fully determined.
/// actool records no xattrs; tests that need them build the tar with <see cref="Support.TarBuilder"/>.
/// </summary>
internal sealed class AciLayout
{
    /// <summary>2020-01-01T00:00:00Z in seconds (actool writes ustar: whole seconds).</summary>
    public const long DefaultMtime = 1_577_836_800;

    private static readonly ISyscalls Sys = LinuxSyscalls.Instance;
    private readonly string _work;
    private readonly List<Action<string>> _create = [];
    private readonly Dictionary<string, (string? Mode, int Uid, int Gid, long Mtime)> _meta = new(StringComparer.Ordinal);
    private readonly List<string> _dependencies = [];
    private readonly HashSet<string> _links = new(StringComparer.Ordinal);

    public AciLayout(string work, string name, string? version = "1")
    {
        _work = work;
        Name = name;
        Version = version;
    }

    public string Name { get; }
    public string? Version { get; }
    public Dictionary<string, string> Labels { get; } = [];
    public List<string> PathWhitelist { get; } = [];
    public long RootfsMtime { get; set; } = DefaultMtime;

    /// <summary>Adds a dependency (<c>imageID</c> and labels optional).</summary>
    public AciLayout DependsOn(string imageName, string? imageId = null, IDictionary<string, string>? labels = null)
    {
        var parts = new List<string> { $"\"imageName\":{JsonSerializer.Serialize(imageName)}" };
        if (imageId is not null) parts.Add($"\"imageID\":{JsonSerializer.Serialize(imageId)}");
        if (labels is { Count: > 0 })
            parts.Add("\"labels\":[" + string.Join(",", labels.Select(kv => $"{{\"name\":{JsonSerializer.Serialize(kv.Key)},\"value\":{JsonSerializer.Serialize(kv.Value)}}}")) + "]");
        _dependencies.Add("{" + string.Join(",", parts) + "}");
        return this;
    }

    public AciLayout Dir(string path, string mode = "0755", int uid = 0, int gid = 0, long mtime = DefaultMtime)
    {
        _create.Add(root => Directory.CreateDirectory(Full(root, path)));
        return Meta(path, mode, uid, gid, mtime);
    }

    public AciLayout File(string path, string content, string mode = "0644", int uid = 0, int gid = 0, long mtime = DefaultMtime)
    {
        _create.Add(root =>
        {
            string f = Full(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            System.IO.File.WriteAllText(f, content);
        });
        return Meta(path, mode, uid, gid, mtime);
    }

    public AciLayout Symlink(string path, string target, int uid = 0, int gid = 0, long mtime = DefaultMtime)
    {
        _create.Add(root =>
        {
            string f = Full(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            Sys.Symlink(target, f);
        });
        return Meta(path, null, uid, gid, mtime);
    }

    /// <summary>A second name for <paramref name="existing"/> (both relative to rootfs).</summary>
    public AciLayout HardLink(string path, string existing)
    {
        _links.Add(path.Trim('/'));
        _create.Add(root =>
        {
            string f = Full(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            Sys.Link(Full(root, existing), f);
        });
        return this;
    }

    public AciLayout Fifo(string path, string mode = "0620", int uid = 0, int gid = 0, long mtime = DefaultMtime)
    {
        _create.Add(root => Sys.Mkfifo(Full(root, path), (UnixFileMode)0b110_000_000));
        return Meta(path, mode, uid, gid, mtime);
    }

    public AciLayout Device(string path, bool block, uint major, uint minor, string mode = "0660", int uid = 0, int gid = 0, long mtime = DefaultMtime)
    {
        _create.Add(root => Sys.Mknod(Full(root, path), block ? DeviceKind.Block : DeviceKind.Character, (UnixFileMode)0b110_000_000, major, minor));
        return Meta(path, mode, uid, gid, mtime);
    }

    public string ManifestJson()
    {
        var labels = new List<KeyValuePair<string, string>>();
        if (Version is not null) labels.Add(new("version", Version));
        labels.AddRange(Labels);
        var sb = new StringBuilder();
        sb.Append($"{{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":{JsonSerializer.Serialize(Name)}");
        sb.Append(",\"labels\":[").Append(string.Join(",", labels.Select(kv => $"{{\"name\":{JsonSerializer.Serialize(kv.Key)},\"value\":{JsonSerializer.Serialize(kv.Value)}}}"))).Append(']');
        if (_dependencies.Count > 0) sb.Append(",\"dependencies\":[").Append(string.Join(",", _dependencies)).Append(']');
        if (PathWhitelist.Count > 0) sb.Append(",\"pathWhitelist\":").Append(JsonSerializer.Serialize(PathWhitelist));
        sb.Append('}');
        return sb.ToString();
    }

    /// <summary>Creates the layout, runs <c>actool build --no-compression</c> and returns the .aci path.</summary>
    public string Build()
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        string layout = Path.Combine(_work, "layout-" + id);
        string rootfs = Path.Combine(layout, "rootfs");
        Directory.CreateDirectory(rootfs);
        System.IO.File.WriteAllText(Path.Combine(layout, "manifest"), ManifestJson());
        foreach (Action<string> a in _create) a(rootfs);
        // Every entry gets fixed metadata, deepest first, so setting a child's time never moves its parent's.
        var all = Walk(rootfs).OrderByDescending(p => p.Count(c => c == '/')).ThenBy(p => p, StringComparer.Ordinal).ToList();
        foreach (string rel in all.Where(r => !_links.Contains(r)))
        {
            string f = Path.Combine(rootfs, rel);
            (string? mode, int uid, int gid, long mtime) = _meta.TryGetValue(rel, out var m) ? m : (null, 0, 0, DefaultMtime);
            FileStatus st = Sys.Lstat(f);
            Sys.Lchown(f, uid, gid);
            if (st.Kind != FileKind.SymbolicLink)
                Sys.Chmod(f, (UnixFileMode)Convert.ToInt32(mode ?? (st.Kind == FileKind.Directory ? "0755" : "0644"), 8));
            Sys.SetTimes(f, mtime * 1_000_000_000, mtime * 1_000_000_000);
        }
        Sys.SetTimes(rootfs, RootfsMtime * 1_000_000_000, RootfsMtime * 1_000_000_000);
        string aci = Path.Combine(_work, $"{Name.Replace('/', '_')}-{id}.aci");
        TestAci.Run("actool", ["build", "--no-compression", layout, aci]);
        Directory.Delete(layout, recursive: true);
        return aci;
    }

    /// <summary>Every path below <paramref name="root"/> (relative), without following symlinks.</summary>
    public static IEnumerable<string> Walk(string root, string rel = "")
    {
        string dir = rel.Length == 0 ? root : Path.Combine(root, rel);
        foreach (string child in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            string r = rel.Length == 0 ? Path.GetFileName(child) : rel + "/" + Path.GetFileName(child);
            yield return r;
            if (Sys.Lstat(child).Kind == FileKind.Directory)
                foreach (string below in Walk(root, r)) yield return below;
        }
    }

    private AciLayout Meta(string path, string? mode, int uid, int gid, long mtime)
    {
        _meta[path.Trim('/')] = (mode, uid, gid, mtime);
        return this;
    }

    private static string Full(string root, string path) => Path.Combine(root, path.Trim('/'));

    /// <summary>Seconds since the epoch as the engine's nanoseconds.</summary>
    public static long Ns(long seconds) => seconds * 1_000_000_000;

    public static string Octal(uint mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0').ToString(CultureInfo.InvariantCulture);
}
