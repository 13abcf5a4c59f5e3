// SPDX-License-Identifier: MIT
using System.Text.Json;
using Rkt.Formats.Appc.Json;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Appc;

/// <summary>The image a pod app runs: its name, ID (required in a runtime manifest) and labels.</summary>
public sealed record RuntimeImage(AcIdentifier? Name, AppcHash? Id, Labels Labels);

/// <summary>appc <c>apps[].mounts[]</c>: which volume goes at which path of this app.</summary>
public sealed record Mount(AcName Volume, string Path, Volume? AppVolume = null);

/// <summary>Volume kinds.</summary>
public enum VolumeKind { Host, Empty }

/// <summary>
/// appc <c>volumes[]</c>. <c>host</c> needs an absolute <see cref="Source"/>; <c>empty</c> must not have one and may
/// set <see cref="Mode"/>, <see cref="Uid"/>, <see cref="Gid"/> (defaults 0755, 0, 0).
/// </summary>
public sealed record Volume(AcName Name, VolumeKind Kind, string? Source = null, bool? ReadOnly = null, bool? Recursive = null,
    string? Mode = null, int? Uid = null, int? Gid = null)
{
    /// <summary>Checks appc's rules; throws naming the field.</summary>
    public Volume Validate(string path)
    {
        if (Kind == VolumeKind.Host)
        {
            if (string.IsNullOrEmpty(Source)) throw new ManifestException($"{path}.source", "is required for a host volume");
            Rules.AbsolutePath(Source, $"{path}.source");
            if (Mode is not null) throw new ManifestException($"{path}.mode", "only allowed for empty volumes");
            if (Uid is not null) throw new ManifestException($"{path}.uid", "only allowed for empty volumes");
            if (Gid is not null) throw new ManifestException($"{path}.gid", "only allowed for empty volumes");
        }
        else
        {
            if (!string.IsNullOrEmpty(Source)) throw new ManifestException($"{path}.source", "must be empty for an empty volume");
            if (Mode is not null && (Mode.Length is < 3 or > 4 || !Mode.All(c => c is >= '0' and <= '7')))
                throw new ManifestException($"{path}.mode", $"\"{Mode}\" is not an octal mode (e.g. 0755)");
            if (Uid is < 0) throw new ManifestException($"{path}.uid", "must not be negative");
            if (Gid is < 0) throw new ManifestException($"{path}.gid", "must not be negative");
        }
        return this;
    }

    internal static Volume Read(JsonObj o)
    {
        string? kind = o.Str("kind", true);
        VolumeKind k = kind switch
        {
            "host" => VolumeKind.Host,
            "empty" => VolumeKind.Empty,
            _ => throw new ManifestException(o.Field("kind"), $"\"{kind}\" is not a volume kind (host, empty)"),
        };
        return new Volume(AcName.Parse(o.Str("name", true), o.Field("name")), k, o.Str("source"), o.Bool("readOnly"), o.Bool("recursive"),
            o.Str("mode"), (int?)o.Int("uid", 0, int.MaxValue), (int?)o.Int("gid", 0, int.MaxValue)).Validate(o.Path);
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", Name.Value);
        w.WriteString("kind", Kind == VolumeKind.Host ? "host" : "empty");
        if (Source is not null) w.WriteString("source", Source);
        if (ReadOnly is { } ro) w.WriteBoolean("readOnly", ro);
        if (Recursive is { } rec) w.WriteBoolean("recursive", rec);
        if (Mode is not null) w.WriteString("mode", Mode);
        if (Uid is { } u) w.WriteNumber("uid", u);
        if (Gid is { } g) w.WriteNumber("gid", g);
        w.WriteEndObject();
    }
}

/// <summary>appc pod <c>ports[]</c>: a host port forwarded to an app port.</summary>
public sealed record ExposedPort(AcName Name, int HostPort, string? HostIp = null);

/// <summary>One app of a pod: its name, image, the final app object, mounts and annotations.</summary>
public sealed record RuntimeApp(AcName Name, RuntimeImage Image, App? App, bool ReadOnlyRootFS, IReadOnlyList<Mount> Mounts, Annotations Annotations);

/// <summary>
/// The appc pod manifest (file <c>pod</c> in a pod directory): the contract between stage0 and stage1.
/// </summary>
public sealed record PodManifest
{
    /// <summary>The only valid <c>acKind</c>.</summary>
    public const string Kind = "PodManifest";

    public SemVer AcVersion { get; init; } = SemVer.AppcSpec;
    public IReadOnlyList<RuntimeApp> Apps { get; init; } = [];
    public IReadOnlyList<Volume> Volumes { get; init; } = [];
    public IReadOnlyList<Isolator> Isolators { get; init; } = [];
    public Annotations Annotations { get; init; } = Annotations.Empty;
    public IReadOnlyList<ExposedPort> Ports { get; init; } = [];
    public IReadOnlyDictionary<string, string> UserAnnotations { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> UserLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Parses and validates JSON text.</summary>
    public static PodManifest Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses and validates UTF-8 JSON.</summary>
    public static PodManifest Parse(byte[] utf8)
    {
        using JsonDocument doc = JsonObj.ParseDocument(utf8, "the pod manifest");
        var o = new JsonObj(doc.RootElement, "");
        string? kind = o.Str("acKind", true);
        if (kind != Kind) throw new ManifestException("acKind", $"must be \"{Kind}\" (got \"{kind}\")");
        var m = new PodManifest
        {
            AcVersion = SemVer.Parse(o.Str("acVersion", true), "acVersion"),
            Apps = o.Objects("apps").Select(x =>
            {
                JsonObj img = x.Obj.Obj("image") ?? throw new ManifestException(x.Path + ".image", "is required");
                var image = new RuntimeImage(
                    img.Str("name") is { } n ? AcIdentifier.Parse(n, img.Field("name")) : null,
                    img.Str("id") is { } id ? AppcHash.Parse(id, img.Field("id")) : null,
                    Labels.Create(img.NameValues("labels"), img.Field("labels")));
                return new RuntimeApp(
                    AcName.Parse(x.Obj.Str("name", true), x.Path + ".name"), image,
                    x.Obj.Obj("app") is { } a ? App.Read(a) : null,
                    x.Obj.Bool("readOnlyRootFS") ?? false,
                    x.Obj.Objects("mounts").Select(mm => new Mount(AcName.Parse(mm.Obj.Str("volume", true), mm.Path + ".volume"),
                        mm.Obj.Str("path", true)!, mm.Obj.Obj("appVolume") is { } av ? Volume.Read(av) : null)).ToList(),
                    Annotations.Create(x.Obj.NameValues("annotations"), x.Path + ".annotations"));
            }).ToList(),
            Volumes = o.Objects("volumes").Select(x => Volume.Read(x.Obj)).ToList(),
            Isolators = App.ReadIsolators(o),
            Annotations = Annotations.Create(o.NameValues("annotations"), "annotations"),
            Ports = o.Objects("ports").Select(x => new ExposedPort(AcName.Parse(x.Obj.Str("name", true), x.Path + ".name"),
                (int)(x.Obj.Int("hostPort", 1, 65535) ?? throw new ManifestException(x.Path + ".hostPort", "is required")), x.Obj.Str("hostIP"))).ToList(),
            UserAnnotations = o.StringMap("userAnnotations"),
            UserLabels = o.StringMap("userLabels"),
        };
        return m.Validate();
    }

    /// <summary>Checks the cross-field rules: unique app and volume names, mounts name existing volumes, absolute paths.</summary>
    public PodManifest Validate()
    {
        var apps = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Apps.Count; i++)
        {
            RuntimeApp a = Apps[i];
            if (!apps.Add(a.Name.Value)) throw new ManifestException($"apps[{i}].name", $"duplicate app name \"{a.Name}\"");
            a.App?.Validate($"apps[{i}].app");
            for (int j = 0; j < a.Mounts.Count; j++)
                Rules.AbsolutePath(a.Mounts[j].Path, $"apps[{i}].mounts[{j}].path");
        }
        var vols = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Volumes.Count; i++)
            if (!vols.Add(Volumes[i].Name.Value)) throw new ManifestException($"volumes[{i}].name", $"duplicate volume \"{Volumes[i].Name}\"");
        for (int i = 0; i < Apps.Count; i++)
            for (int j = 0; j < Apps[i].Mounts.Count; j++)
            {
                Mount mt = Apps[i].Mounts[j];
                if (mt.AppVolume is null && !vols.Contains(mt.Volume.Value))
                    throw new ManifestException($"apps[{i}].mounts[{j}].volume", $"no volume named \"{mt.Volume}\" in volumes");
            }
        App.ValidateIsolators(Isolators, "isolators");
        return this;
    }

    /// <summary>Writes normalized JSON.</summary>
    public byte[] ToJson(bool indented = false) => JsonOut.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("acKind", Kind);
        w.WriteString("acVersion", AcVersion.ToString());
        w.WriteStartArray("apps");
        foreach (RuntimeApp a in Apps)
        {
            w.WriteStartObject();
            w.WriteString("name", a.Name.Value);
            w.WriteStartObject("image");
            if (a.Image.Name is { } n) w.WriteString("name", n.Value);
            if (a.Image.Id is { } id) w.WriteString("id", id.Value);
            JsonOut.NameValues(w, "labels", a.Image.Labels);
            w.WriteEndObject();
            if (a.App is not null) { w.WritePropertyName("app"); a.App.Write(w); }
            if (a.ReadOnlyRootFS) w.WriteBoolean("readOnlyRootFS", true);
            if (a.Mounts.Count > 0)
            {
                w.WriteStartArray("mounts");
                foreach (Mount m in a.Mounts)
                {
                    w.WriteStartObject();
                    w.WriteString("volume", m.Volume.Value);
                    w.WriteString("path", m.Path);
                    if (m.AppVolume is not null) { w.WritePropertyName("appVolume"); m.AppVolume.Write(w); }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            JsonOut.NameValues(w, "annotations", a.Annotations);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (Volumes.Count > 0)
        {
            w.WriteStartArray("volumes");
            foreach (Volume v in Volumes) v.Write(w);
            w.WriteEndArray();
        }
        JsonOut.Isolators(w, Isolators);
        JsonOut.NameValues(w, "annotations", Annotations);
        if (Ports.Count > 0)
        {
            w.WriteStartArray("ports");
            foreach (ExposedPort p in Ports)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name.Value);
                w.WriteNumber("hostPort", p.HostPort);
                if (p.HostIp is not null) w.WriteString("hostIP", p.HostIp);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        JsonOut.StringMap(w, "userAnnotations", UserAnnotations);
        JsonOut.StringMap(w, "userLabels", UserLabels);
        w.WriteEndObject();
    }, indented);

    /// <summary>JSON text (indented).</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(ToJson(indented: true));
}
