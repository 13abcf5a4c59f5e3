// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Rkt.Formats.Appc;
using Rkt.Formats.Tests.Support;
using static Rkt.Formats.Tests.Support.Manifests;

namespace Rkt.Formats.Tests.Appc;

/// <summary>One failing case per image manifest rule; each asserts the JSON path in <see cref="ManifestException.Field"/>.</summary>
public sealed class ImageManifestValidationTests
{
    private static JsonArray Arr(params string[] items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
    private static JsonNode J(string json) => JsonNode.Parse(json)!;

    [Fact]
    public void The_base_manifest_is_valid() => Assert.Equal("example.com/test-app", ImageManifest.Parse(ValidImage).Name.Value);

    [Fact]
    public void Minimal_manifest_without_app_is_valid()
    {
        ImageManifest m = ImageManifest.Parse("""{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a"}""");
        Assert.Null(m.App);
        Assert.Empty(m.Labels);
        Assert.Equal("a", m.DisplayName);
        Assert.Equal("""{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a"}""", System.Text.Encoding.UTF8.GetString(m.ToJson()));
    }

    [Fact]
    public void Unknown_members_are_ignored() =>
        Assert.Equal("a", ImageManifest.Parse("""{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","future":{"x":1}}""").Name.Value);

    // ---- acKind / acVersion / name

    [Fact]
    public void AcKind_wrong()
    {
        var e = ImageFails(o => o["acKind"] = "PodManifest");
        Assert.Equal("acKind", e.Field);
        Assert.Equal("must be \"ImageManifest\" (got \"PodManifest\")", e.Rule);
    }

    [Fact]
    public void AcKind_missing()
    {
        var e = ImageFails(o => o.Remove("acKind"));
        Assert.Equal("acKind", e.Field);
        Assert.Equal("is required", e.Rule);
        Assert.Equal("acKind: is required", e.Message);
    }

    [Theory]
    [InlineData("0.8")]
    [InlineData("latest")]
    [InlineData("v0.8.11")]
    public void AcVersion_not_semver(string v) => Assert.Equal("acVersion", ImageFails(o => o["acVersion"] = v).Field);

    [Fact]
    public void AcVersion_missing() => Assert.Equal("acVersion", ImageFails(o => o.Remove("acVersion")).Field);

    [Fact]
    public void Name_missing()
    {
        var e = ImageFails(o => o.Remove("name"));
        Assert.Equal("name", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Theory]
    [InlineData("Example.com/app")]   // uppercase
    [InlineData("example.com//app")]  // double separator
    [InlineData("-example.com/app")]  // leading dash
    [InlineData("")]
    public void Name_invalid(string name)
    {
        var e = ImageFails(o => o["name"] = name);
        Assert.Equal("name", e.Field);
    }

    // ---- labels / annotations

    [Fact]
    public void Label_duplicate()
    {
        var e = ImageFails(o => o["labels"]!.AsArray().Add(J("""{"name":"version","value":"2"}""")));
        Assert.Equal("labels[3].name", e.Field);
        Assert.Equal("duplicate label \"version\"", e.Rule);
    }

    [Fact]
    public void Label_reserved_name()
    {
        var e = ImageFails(o => o["labels"]![0]!["name"] = "name");
        Assert.Equal("labels[0].name", e.Field);
        Assert.Equal("\"name\" cannot be used as a label name", e.Rule);
    }

    [Fact]
    public void Label_bad_os()
    {
        var e = ImageFails(o => o["labels"]![1]!["value"] = "plan9");
        Assert.Equal("labels[1].value", e.Field);
        Assert.StartsWith("bad os \"plan9\"", e.Rule);
    }

    [Fact]
    public void Label_bad_arch_for_os()
    {
        var e = ImageFails(o => o["labels"]![2]!["value"] = "x86_64");
        Assert.Equal("labels[2].value", e.Field);
        Assert.StartsWith("bad arch \"x86_64\" for linux", e.Rule);
    }

    [Theory]
    [InlineData("Version")]
    [InlineData("a..b")]
    public void Label_name_invalid(string name) => Assert.Equal("labels[0].name", ImageFails(o => o["labels"]![0]!["name"] = name).Field);

    [Fact]
    public void Label_value_missing() => Assert.Equal("labels[0].value", ImageFails(o => o["labels"]![0]!.AsObject().Remove("value")).Field);

    [Fact]
    public void Annotation_duplicate()
    {
        var e = ImageFails(o => o["annotations"]!.AsArray().Add(J("""{"name":"authors","value":"someone else"}""")));
        Assert.Equal("annotations[1].name", e.Field);
        Assert.Equal("duplicate annotation \"authors\"", e.Rule);
    }

    [Fact]
    public void Annotation_name_invalid() => Assert.Equal("annotations[0].name", ImageFails(o => o["annotations"]![0]!["name"] = "Authors").Field);

    // ---- app

    [Fact]
    public void Exec_first_entry_empty()
    {
        var e = ImageFails(o => o.App()["exec"] = Arr("", "--flag"));
        Assert.Equal("app.exec[0]", e.Field);
        Assert.Equal("must not be empty", e.Rule);
    }

    [Theory]
    [InlineData("bin/app")]   // relative: joined with workingDirectory by the executor
    [InlineData("app")]       // bare: searched in PATH (appc 0.8.0 dropped the absolute-path rule; actool 0.8.11 agrees)
    public void Exec_relative_or_bare_is_valid(string exec0) =>
        Assert.Equal(exec0, ImageManifest.Parse(Mutated(o => o.App()["exec"] = Arr(exec0))).App!.Exec[0]);

    [Fact]
    public void Exec_arguments_may_be_anything() =>
        Assert.Equal(["/bin/app", "rel/arg", ""], ImageManifest.Parse(Mutated(o => o.App()["exec"] = Arr("/bin/app", "rel/arg", ""))).App!.Exec);

    [Fact]
    public void Exec_not_strings() => Assert.Equal("app.exec[1]", ImageFails(o => o.App()["exec"] = J("""["/bin/app", 5]""")).Field);

    [Fact]
    public void User_missing()
    {
        var e = ImageFails(o => o.App().Remove("user"));
        Assert.Equal("app.user", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Fact]
    public void Group_missing() => Assert.Equal("app.group", ImageFails(o => o.App().Remove("group")).Field);

    [Fact]
    public void Group_empty() => Assert.Equal("app.group", ImageFails(o => o.App()["group"] = "").Field);

    [Fact]
    public void WorkingDirectory_relative()
    {
        var e = ImageFails(o => o.App()["workingDirectory"] = "srv");
        Assert.Equal("app.workingDirectory", e.Field);
        Assert.Equal("must be an absolute path", e.Rule);
    }

    [Fact]
    public void SupplementaryGids_negative() => Assert.Equal("app.supplementaryGIDs[1]", ImageFails(o => o.App()["supplementaryGIDs"] = J("[1,-2]")).Field);

    [Fact]
    public void Environment_duplicate()
    {
        var e = ImageFails(o => o.App()["environment"]!.AsArray().Add(J("""{"name":"A","value":"again"}""")));
        Assert.Equal("app.environment[2].name", e.Field);
        Assert.Equal("duplicate variable \"A\"", e.Rule);
    }

    [Theory]
    [InlineData("A=B")]
    [InlineData("")]
    public void Environment_name_invalid(string name)
    {
        var e = ImageFails(o => o.App()["environment"]![1]!["name"] = name);
        Assert.Equal("app.environment[1].name", e.Field);
        Assert.Contains("is not a valid variable name", e.Rule);
    }

    [Fact]
    public void EventHandler_bad_name()
    {
        var e = ImageFails(o => o.App()["eventHandlers"]![0]!["name"] = "post-start");
        Assert.Equal("app.eventHandlers[0].name", e.Field);
        Assert.Equal("\"post-start\" is not an event (pre-start, post-stop)", e.Rule);
    }

    [Fact]
    public void EventHandler_duplicate()
    {
        var e = ImageFails(o => o.App()["eventHandlers"]![1]!["name"] = "pre-start");
        Assert.Equal("app.eventHandlers[1].name", e.Field);
        Assert.Equal("only one \"pre-start\" handler is allowed", e.Rule);
    }

    [Fact]
    public void EventHandler_empty_exec()
    {
        var e = ImageFails(o => o.App()["eventHandlers"]![1]!["exec"] = new JsonArray());
        Assert.Equal("app.eventHandlers[1].exec", e.Field);
        Assert.Equal("must not be empty", e.Rule);
    }

    [Fact]
    public void EventHandler_missing_exec() => Assert.Equal("app.eventHandlers[0].exec", ImageFails(o => o.App()["eventHandlers"]![0]!.AsObject().Remove("exec")).Field);

    [Fact]
    public void MountPoint_bad_name() => Assert.Equal("app.mountPoints[1].name", ImageFails(o => o.App()["mountPoints"]![1]!["name"] = "Logs").Field);

    [Fact]
    public void MountPoint_relative_path()
    {
        var e = ImageFails(o => o.App()["mountPoints"]![0]!["path"] = "data");
        Assert.Equal("app.mountPoints[0].path", e.Field);
        Assert.Equal("must be an absolute path", e.Rule);
    }

    [Fact]
    public void MountPoint_duplicate()
    {
        var e = ImageFails(o => o.App()["mountPoints"]![1]!["name"] = "data");
        Assert.Equal("app.mountPoints[1].name", e.Field);
        Assert.Equal("duplicate mount point \"data\"", e.Rule);
    }

    [Fact]
    public void MountPoint_readOnly_not_bool()
    {
        var e = ImageFails(o => o.App()["mountPoints"]![0]!["readOnly"] = "yes");
        Assert.Equal("app.mountPoints[0].readOnly", e.Field);
        Assert.Equal("must be true or false", e.Rule);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-1)]
    public void Port_out_of_range(int port) => Assert.Equal("app.ports[0].port", ImageFails(o => o.App()["ports"]![0]!["port"] = port).Field);

    [Fact]
    public void Port_count_overflows_range()
    {
        var e = ImageFails(o => { o.App()["ports"]![0]!["port"] = 65535; o.App()["ports"]![0]!["count"] = 2; });
        Assert.Equal("app.ports[0].count", e.Field);
    }

    [Fact]
    public void Port_missing_number() => Assert.Equal("app.ports[0].port", ImageFails(o => o.App()["ports"]![0]!.AsObject().Remove("port")).Field);

    [Fact]
    public void Port_duplicate()
    {
        var e = ImageFails(o => o.App()["ports"]![1]!["name"] = "http");
        Assert.Equal("app.ports[1].name", e.Field);
        Assert.Equal("duplicate port \"http\"", e.Rule);
    }

    [Fact]
    public void Port_missing_protocol()
    {
        var e = ImageFails(o => o.App()["ports"]![1]!.AsObject().Remove("protocol"));
        Assert.Equal("app.ports[1].protocol", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Fact]
    public void Port_empty_protocol() => Assert.Equal("app.ports[1].protocol", ImageFails(o => o.App()["ports"]![1]!["protocol"] = "").Field);

    [Fact]
    public void Port_not_integer()
    {
        var e = ImageFails(o => o.App()["ports"]![0]!["port"] = 80.5);
        Assert.Equal("app.ports[0].port", e.Field);
        Assert.Equal("must be an integer", e.Rule);
    }

    // ---- dependencies / pathWhitelist

    [Fact]
    public void Dependency_missing_imageName()
    {
        var e = ImageFails(o => o["dependencies"]![0]!.AsObject().Remove("imageName"));
        Assert.Equal("dependencies[0].imageName", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Fact]
    public void Dependency_bad_hash_type()
    {
        var e = ImageFails(o => o["dependencies"]![0]!["imageID"] = "sha256-abcd");
        Assert.Equal("dependencies[0].imageID", e.Field);
        Assert.Equal("unsupported hash type \"sha256\" (only sha512)", e.Rule);
    }

    [Fact]
    public void Dependency_empty_hash()
    {
        var e = ImageFails(o => o["dependencies"]![0]!["imageID"] = "sha512-");
        Assert.Equal("dependencies[0].imageID", e.Field);
        Assert.Equal("the hash value is empty", e.Rule);
    }

    [Fact]
    public void Dependency_label_duplicate() =>
        Assert.Equal("dependencies[0].labels[1].name", ImageFails(o => o["dependencies"]![0]!["labels"]!.AsArray().Add(J("""{"name":"version","value":"2"}"""))).Field);

    [Fact]
    public void Dependency_negative_size() => Assert.Equal("dependencies[0].size", ImageFails(o => o["dependencies"]![0]!["size"] = -1).Field);

    [Fact]
    public void PathWhitelist_relative()
    {
        var e = ImageFails(o => o["pathWhitelist"]!.AsArray().Add("etc/passwd"));
        Assert.Equal("pathWhitelist[1]", e.Field);
        Assert.Equal("must be an absolute path", e.Rule);
    }

    [Fact]
    public void Validate_checks_a_manifest_built_in_code()
    {
        ImageManifest m = ImageManifest.Parse(ValidImage);
        var e = Assert.Throws<ManifestException>(() => (m with { PathWhitelist = ["rel"] }).Validate());
        Assert.Equal("pathWhitelist[0]", e.Field);
        var e2 = Assert.Throws<ManifestException>(() => (m with { App = m.App! with { Exec = [""] } }).Validate());
        Assert.Equal("app.exec[0]", e2.Field);
        Assert.Same(m, m.Validate());
    }

    [Theory]
    [InlineData("exec1")]
    [InlineData("workingDirectory")]
    [InlineData("envValue")]
    [InlineData("user")]
    [InlineData("mountPath")]
    [InlineData("handlerExec")]
    [InlineData("pathWhitelist")]
    public void Nul_characters_are_rejected(string where)
    {
        const string nul = "\\u0000";
        (Action<JsonObject> put, string field) = where switch
        {
            "exec1" => ((Action<JsonObject>)(o => o.App()["exec"]![1] = "--a@"), "app.exec[1]"),
            "workingDirectory" => (o => o.App()["workingDirectory"] = "/srv@", "app.workingDirectory"),
            "envValue" => (o => o.App()["environment"]![0]!["value"] = "a@b", "app.environment[0].value"),
            "user" => (o => o.App()["user"] = "ro@ot", "app.user"),
            "mountPath" => (o => o.App()["mountPoints"]![0]!["path"] = "/data@", "app.mountPoints[0].path"),
            "handlerExec" => (o => o.App()["eventHandlers"]![0]!["exec"]![0] = "/bin/pre@", "app.eventHandlers[0].exec[0]"),
            _ => (o => o["pathWhitelist"]![0] = "/bin/app@", "pathWhitelist[0]"),
        };
        var e = ImageFails(put, json => json.Replace("@", nul));
        Assert.Equal(field, e.Field);
        Assert.Equal("must not contain NUL", e.Rule);
    }

    [Fact]
    public void Validate_rejects_negative_gids_built_in_code()
    {
        App app = ImageManifest.Parse(ValidImage).App! with { SupplementaryGids = [1, -1] };
        Assert.Equal("app.supplementaryGIDs[1]", Assert.Throws<ManifestException>(() => app.Validate()).Field);
    }

    private static string Mutated(Action<JsonObject> mutate)
    {
        JsonObject o = Image();
        mutate(o);
        return o.ToJsonString();
    }
}
