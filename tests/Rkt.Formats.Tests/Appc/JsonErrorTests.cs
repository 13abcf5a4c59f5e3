// SPDX-License-Identifier: MIT
using System.Text;
using System.Text.Json.Nodes;
using Rkt.Formats.Appc;
using static Rkt.Formats.Tests.Support.Manifests;

namespace Rkt.Formats.Tests.Appc;

/// <summary>Input that is not JSON, not an object, or has members of the wrong JSON type.</summary>
public sealed class JsonErrorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"acKind\":")]
    [InlineData("{\"acKind\":\"ImageManifest\",}")]
    [InlineData("{'acKind':'ImageManifest'}")]
    public void Not_json(string text)
    {
        var e = Assert.Throws<ManifestException>(() => ImageManifest.Parse(text));
        Assert.Equal("", e.Field);
        Assert.StartsWith("the image manifest is not valid JSON: ", e.Message);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(e.InnerException);
        var p = Assert.Throws<ManifestException>(() => PodManifest.Parse(text));
        Assert.StartsWith("the pod manifest is not valid JSON: ", p.Message);
    }

    [Fact]
    public void Invalid_utf8_is_not_json()
    {
        byte[] bad = [.. "{\"acKind\":\""u8, 0xff, 0xfe, .. "\"}"u8];
        var e = Assert.Throws<ManifestException>(() => ImageManifest.Parse(bad));
        Assert.Equal("", e.Field);
        Assert.Equal("the image manifest is not valid UTF-8", e.Rule);
        Assert.Equal("the pod manifest is not valid UTF-8", Assert.Throws<ManifestException>(() => PodManifest.Parse(bad)).Rule);
    }

    [Fact]
    public void Unpaired_surrogate_escapes_name_the_field()
    {
        string lone = "\\ud800";
        var e = ImageFails(o => o.App()["user"] = "PLACEHOLDER", json => json.Replace("PLACEHOLDER", lone));
        Assert.Equal("app.user", e.Field);
        Assert.Contains("not a valid Unicode string", e.Rule);
        Assert.Equal("app.exec[1]", ImageFails(o => o.App()["exec"]![1] = "PLACEHOLDER", json => json.Replace("PLACEHOLDER", lone)).Field);
        Assert.Equal("app.userLabels", ImageFails(o => o.App()["userLabels"] = new JsonObject { ["PLACEHOLDER"] = "x" }, json => json.Replace("PLACEHOLDER", lone)).Field);
        Assert.Equal("app.isolators[0].value.limit", ImageFails(o => o.App()["isolators"]![0]!["value"]!["limit"] = "PLACEHOLDER", json => json.Replace("PLACEHOLDER", lone)).Field);
    }

    [Fact]
    public void Too_deep_nesting_is_rejected_as_not_json()
    {
        string deep = "{\"acKind\":\"ImageManifest\",\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        Assert.Throws<ManifestException>(() => ImageManifest.Parse(deep));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"ImageManifest\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Not_an_object(string text)
    {
        var e = Assert.Throws<ManifestException>(() => ImageManifest.Parse(text));
        Assert.Equal("", e.Field);
        Assert.Equal("must be a JSON object", e.Rule);
        Assert.Equal("must be a JSON object", Assert.Throws<ManifestException>(() => PodManifest.Parse(text)).Rule);
    }

    [Theory]
    [InlineData("acKind")]
    [InlineData("acVersion")]
    [InlineData("name")]
    public void Top_level_strings_must_be_strings(string member)
    {
        var e = ImageFails(o => o[member] = 1);
        Assert.Equal(member, e.Field);
        Assert.Equal("must be a string", e.Rule);
        Assert.Equal($"{member}: must be a string", e.Message);
    }

    [Fact]
    public void Nested_strings_must_be_strings()
    {
        Assert.Equal("app.user", ImageFails(o => o.App()["user"] = 0).Field);
        Assert.Equal("labels[0].value", ImageFails(o => o["labels"]![0]!["value"] = 1).Field);
        Assert.Equal("app.environment[0].value", ImageFails(o => o.App()["environment"]![0]!["value"] = true).Field);
        Assert.Equal("must be a string", ImageFails(o => o.App()["userLabels"]!["tier"] = 3).Rule);
        Assert.Equal("app.userLabels.tier", ImageFails(o => o.App()["userLabels"]!["tier"] = 3).Field);
    }

    [Fact]
    public void Arrays_must_be_arrays()
    {
        var e = ImageFails(o => o["labels"] = "version=1");
        Assert.Equal("labels", e.Field);
        Assert.Equal("must be an array", e.Rule);
        Assert.Equal("app.exec", ImageFails(o => o.App()["exec"] = "/bin/app").Field);
    }

    [Fact]
    public void Objects_must_be_objects()
    {
        var e = ImageFails(o => o["app"] = new JsonArray());
        Assert.Equal("app", e.Field);
        Assert.Equal("must be a JSON object", e.Rule);
        Assert.Equal("labels[0]", ImageFails(o => o["labels"]![0] = "version").Field);
        Assert.Equal("app.userAnnotations", ImageFails(o => o.App()["userAnnotations"] = new JsonArray()).Field);
    }

    [Fact]
    public void Null_members_count_as_absent()
    {
        ImageManifest m = ImageManifest.Parse(Encoding.UTF8.GetBytes(
            """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","labels":null,"app":null,"annotations":null}"""));
        Assert.Null(m.App);
        Assert.Empty(m.Labels);
        Assert.Equal("name", ImageFails(o => o["name"] = null).Field);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_not_json_as_in_Go()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(ValidImage)];
        var e = Assert.Throws<ManifestException>(() => ImageManifest.Parse(json));
        Assert.StartsWith("the image manifest is not valid JSON", e.Rule);
    }

    [Fact]
    public void Repeated_members_take_the_last_value_as_Go_does() =>
        Assert.Equal("b", ImageManifest.Parse("""{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","name":"b"}""").Name.Value);

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("{\"k\\udc00\":1}")]
    [InlineData("[\"\\u0000\", 1e400]")]
    public void Odd_unknown_isolator_values_parse_or_fail_as_manifest_errors(string value)
    {
        string json = $$$"""{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"vendor.example/x","value":{{{value}}}}]}}""";
        Exception? e = Record.Exception(() =>
        {
            ImageManifest m = ImageManifest.Parse(json);
            Assert.Equal(m.ToJson(), ImageManifest.Parse(m.ToJson()).ToJson());
        });
        Assert.True(e is null or ManifestException, e?.ToString());
    }

    [Fact]
    public void ManifestException_is_a_FormatException_with_a_stable_id()
    {
        var e = ImageFails(o => o["name"] = "X");
        Assert.IsAssignableFrom<FormatException>(e);
        Assert.Equal(ManifestException.InvalidManifestErrorId, e.ErrorId);
        Assert.Equal("InvalidManifest", ManifestException.InvalidManifestErrorId);
    }
}
