// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;
using static Rkt.Formats.Tests.Support.Manifests;

namespace Rkt.Formats.Tests.Appc;

/// <summary>One failing case per pod manifest rule; each asserts the JSON path.</summary>
public sealed class PodManifestValidationTests
{
    private static JsonNode J(string json) => JsonNode.Parse(json)!;

    [Fact]
    public void The_base_pod_is_valid() => Assert.Equal(2, PodManifest.Parse(ValidPod).Apps.Count);

    [Fact]
    public void AcKind_must_be_PodManifest()
    {
        var e = PodFails(o => o["acKind"] = "ImageManifest");
        Assert.Equal("acKind", e.Field);
        Assert.Equal("must be \"PodManifest\" (got \"ImageManifest\")", e.Rule);
    }

    [Fact]
    public void AcVersion_not_semver() => Assert.Equal("acVersion", PodFails(o => o["acVersion"] = "1").Field);

    [Fact]
    public void Duplicate_app_names()
    {
        var e = PodFails(o => o["apps"]![1]!["name"] = "web");
        Assert.Equal("apps[1].name", e.Field);
        Assert.Equal("duplicate app name \"web\"", e.Rule);
    }

    [Fact]
    public void App_name_invalid() => Assert.Equal("apps[0].name", PodFails(o => o["apps"]![0]!["name"] = "Web_1").Field);

    [Fact]
    public void Duplicate_volume_names()
    {
        var e = PodFails(o => o["volumes"]![1]!["name"] = "data");
        Assert.Equal("volumes[1].name", e.Field);
        Assert.Equal("duplicate volume \"data\"", e.Rule);
    }

    [Fact]
    public void Mount_naming_a_missing_volume()
    {
        var e = PodFails(o => o["apps"]![0]!["mounts"]![1]!["volume"] = "nope");
        Assert.Equal("apps[0].mounts[1].volume", e.Field);
        Assert.Equal("no volume named \"nope\" in volumes", e.Rule);
    }

    [Fact]
    public void Mount_with_its_own_appVolume_needs_no_pod_volume()
    {
        PodManifest p = PodManifest.Parse(Mutated(o => o["apps"]![0]!["mounts"]![1] =
            J("""{"volume":"private","path":"/p","appVolume":{"name":"private","kind":"empty"}}""")));
        Mount m = p.Apps[0].Mounts[1];
        Assert.Equal(new Volume(AcName.Parse("private"), VolumeKind.Empty), m.AppVolume);
        Assert.Equal(p.ToJson(), PodManifest.Parse(p.ToJson()).ToJson());
    }

    [Fact]
    public void Mount_relative_path() => Assert.Equal("apps[0].mounts[0].path", PodFails(o => o["apps"]![0]!["mounts"]![0]!["path"] = "data").Field);

    [Fact]
    public void Host_volume_without_source()
    {
        var e = PodFails(o => o["volumes"]![0]!.AsObject().Remove("source"));
        Assert.Equal("volumes[0].source", e.Field);
        Assert.Equal("is required for a host volume", e.Rule);
    }

    [Fact]
    public void Host_volume_source_with_nul() =>
        Assert.Equal("must not contain NUL", PodFails(o => o["volumes"]![0]!["source"] = "/srv/da@ta", j => j.Replace("@", "\\u0000")).Rule);

    [Fact]
    public void Host_volume_relative_source()
    {
        var e = PodFails(o => o["volumes"]![0]!["source"] = "srv/data");
        Assert.Equal("volumes[0].source", e.Field);
        Assert.Equal("must be an absolute path", e.Rule);
    }

    [Theory]
    [InlineData("mode", "\"0755\"")]
    [InlineData("uid", "0")]
    [InlineData("gid", "0")]
    public void Host_volume_with_empty_only_fields(string member, string value)
    {
        var e = PodFails(o => o["volumes"]![0]![member] = J(value));
        Assert.Equal($"volumes[0].{member}", e.Field);
        Assert.Equal("only allowed for empty volumes", e.Rule);
    }

    [Fact]
    public void Empty_volume_with_source()
    {
        var e = PodFails(o => o["volumes"]![1]!["source"] = "/srv");
        Assert.Equal("volumes[1].source", e.Field);
        Assert.Equal("must be empty for an empty volume", e.Rule);
    }

    [Theory]
    [InlineData("0789")]
    [InlineData("rwx")]
    [InlineData("75")]
    [InlineData("07555")]
    public void Empty_volume_bad_mode(string mode)
    {
        var e = PodFails(o => o["volumes"]![1]!["mode"] = mode);
        Assert.Equal("volumes[1].mode", e.Field);
        Assert.Equal($"\"{mode}\" is not an octal mode (e.g. 0755)", e.Rule);
    }

    [Fact]
    public void Empty_volume_negative_uid() => Assert.Equal("volumes[1].uid", PodFails(o => o["volumes"]![1]!["uid"] = -1).Field);

    [Fact]
    public void Volume_bad_kind()
    {
        var e = PodFails(o => o["volumes"]![1]!["kind"] = "tmpfs");
        Assert.Equal("volumes[1].kind", e.Field);
        Assert.Equal("\"tmpfs\" is not a volume kind (host, empty)", e.Rule);
    }

    [Fact]
    public void Volume_name_invalid() => Assert.Equal("volumes[0].name", PodFails(o => o["volumes"]![0]!["name"] = "Data").Field);

    [Fact]
    public void Missing_image()
    {
        var e = PodFails(o => o["apps"]![1]!.AsObject().Remove("image"));
        Assert.Equal("apps[1].image", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Fact]
    public void Image_bad_id() => Assert.Equal("apps[1].image.id", PodFails(o => o["apps"]![1]!["image"]!["id"] = "md5-abc").Field);

    [Fact]
    public void Image_bad_name() => Assert.Equal("apps[0].image.name", PodFails(o => o["apps"]![0]!["image"]!["name"] = "Example.com/web").Field);

    [Fact]
    public void Image_label_bad_os() => Assert.Equal("apps[0].image.labels[1].value",
        PodFails(o => o["apps"]![0]!["image"]!["labels"]!.AsArray().Add(J("""{"name":"os","value":"beos"}"""))).Field);

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void HostPort_out_of_range(int port)
    {
        var e = PodFails(o => o["ports"]![0]!["hostPort"] = port);
        Assert.Equal("ports[0].hostPort", e.Field);
        Assert.Equal("must be between 1 and 65535", e.Rule);
    }

    [Fact]
    public void HostPort_missing() => Assert.Equal("ports[0].hostPort", PodFails(o => o["ports"]![0]!.AsObject().Remove("hostPort")).Field);

    [Fact]
    public void Pod_app_is_validated_with_its_path()
    {
        var e = PodFails(o => o["apps"]![0]!["app"]!["exec"] = J("""[""]"""));
        Assert.Equal("apps[0].app.exec[0]", e.Field);
        var e2 = PodFails(o => o["apps"]![0]!["app"]!.AsObject().Remove("user"));
        Assert.Equal("apps[0].app.user", e2.Field);
    }

    [Fact]
    public void App_annotation_duplicate() => Assert.Equal("apps[0].annotations[1].name",
        PodFails(o => o["apps"]![0]!["annotations"]!.AsArray().Add(J("""{"name":"a","value":"c"}"""))).Field);

    [Fact]
    public void ReadOnlyRootFS_not_bool() => Assert.Equal("apps[0].readOnlyRootFS", PodFails(o => o["apps"]![0]!["readOnlyRootFS"] = 1).Field);

    [Fact]
    public void Validate_checks_a_pod_built_in_code()
    {
        PodManifest p = PodManifest.Parse(ValidPod);
        var e = Assert.Throws<ManifestException>(() => (p with { Volumes = [p.Volumes[0]] }).Validate());
        Assert.Equal("apps[0].mounts[1].volume", e.Field);
        var e2 = Assert.Throws<ManifestException>(() => new Volume(AcName.Parse("v"), VolumeKind.Host).Validate("volumes[7]"));
        Assert.Equal("volumes[7].source", e2.Field);
    }

    private static string Mutated(Action<JsonObject> mutate)
    {
        JsonObject o = Pod();
        mutate(o);
        return o.ToJsonString();
    }
}
