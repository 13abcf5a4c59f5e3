// SPDX-License-Identifier: MIT
using System.Text.Json;
using Rkt.Formats.Appc.Json;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Appc;

/// <summary>appc <c>dependencies[]</c>: another image rendered beneath this one.</summary>
public sealed record Dependency(AcIdentifier ImageName, AppcHash? ImageId, Labels Labels, long? Size);

/// <summary>
/// The appc image manifest (schema 0.8.11): name, labels, the app, dependencies, path whitelist and
/// annotations. <see cref="Parse(ReadOnlySpan{byte})"/> validates every rule and names the failing field;
/// <see cref="ToJson"/> writes a normalized form that parses back to an equal manifest.
/// </summary>
public sealed record ImageManifest
{
    /// <summary>The only valid <c>acKind</c>.</summary>
    public const string Kind = "ImageManifest";

    public SemVer AcVersion { get; init; } = SemVer.AppcSpec;
    public required AcIdentifier Name { get; init; }
    public Labels Labels { get; init; } = Labels.Empty;
    public App? App { get; init; }
    public IReadOnlyList<Dependency> Dependencies { get; init; } = [];
    public IReadOnlyList<string> PathWhitelist { get; init; } = [];
    public Annotations Annotations { get; init; } = Annotations.Empty;

    /// <summary>The <c>version</c> label, if any.</summary>
    public string? Version => Labels["version"];

    /// <summary><c>name</c> or <c>name:version</c>, as rkt image list shows it.</summary>
    public string DisplayName => Version is { } v ? $"{Name}:{v}" : Name.Value;

    /// <summary>Parses and validates UTF-8 JSON.</summary>
    public static ImageManifest Parse(ReadOnlySpan<byte> utf8Json) => Parse(utf8Json.ToArray().AsMemory());

    /// <summary>Parses and validates JSON text.</summary>
    public static ImageManifest Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json).AsMemory());

    private static ImageManifest Parse(ReadOnlyMemory<byte> utf8)
    {
        using JsonDocument doc = JsonObj.ParseDocument(utf8, "the image manifest");
        var o = new JsonObj(doc.RootElement, "");
        string? kind = o.Str("acKind", true);
        if (kind != Kind) throw new ManifestException("acKind", $"must be \"{Kind}\" (got \"{kind}\")");
        var m = new ImageManifest
        {
            AcVersion = SemVer.Parse(o.Str("acVersion", true), "acVersion"),
            Name = AcIdentifier.Parse(o.Str("name", true), "name"),
            Labels = Labels.Create(o.NameValues("labels"), "labels"),
            App = o.Obj("app") is { } a ? App.Read(a) : null,
            Dependencies = o.Objects("dependencies").Select(x => new Dependency(
                AcIdentifier.Parse(x.Obj.Str("imageName", true), x.Path + ".imageName"),
                x.Obj.Str("imageID") is { } h ? AppcHash.Parse(h, x.Path + ".imageID") : null,
                Labels.Create(x.Obj.NameValues("labels"), x.Path + ".labels"),
                x.Obj.Int("size", 0))).ToList(),
            PathWhitelist = o.Strings("pathWhitelist"),
            Annotations = Annotations.Create(o.NameValues("annotations"), "annotations"),
        };
        return m.Validate();
    }

    /// <summary>Checks the rules that span fields. Returns this manifest.</summary>
    public ImageManifest Validate()
    {
        if (Name.Value.Length == 0) throw new ManifestException("name", "is required");
        for (int i = 0; i < PathWhitelist.Count; i++)
            Rules.AbsolutePath(PathWhitelist[i], $"pathWhitelist[{i}]");
        App?.Validate();
        return this;
    }

    /// <summary>Writes normalized JSON (stable field order; round-trips through <see cref="Parse(string)"/>).</summary>
    public byte[] ToJson(bool indented = false) => JsonOut.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("acKind", Kind);
        w.WriteString("acVersion", AcVersion.ToString());
        w.WriteString("name", Name.Value);
        JsonOut.NameValues(w, "labels", Labels);
        if (App is not null) { w.WritePropertyName("app"); App.Write(w); }
        if (Dependencies.Count > 0)
        {
            w.WriteStartArray("dependencies");
            foreach (Dependency d in Dependencies)
            {
                w.WriteStartObject();
                w.WriteString("imageName", d.ImageName.Value);
                if (d.ImageId is { } id) w.WriteString("imageID", id.Value);
                JsonOut.NameValues(w, "labels", d.Labels);
                if (d.Size is { } s) w.WriteNumber("size", s);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (PathWhitelist.Count > 0) JsonOut.Strings(w, "pathWhitelist", PathWhitelist);
        JsonOut.NameValues(w, "annotations", Annotations);
        w.WriteEndObject();
    }, indented);

    /// <summary>JSON text (indented).</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(ToJson(indented: true));
}
