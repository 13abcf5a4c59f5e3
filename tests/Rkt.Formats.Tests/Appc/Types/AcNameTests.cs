// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class AcNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("9")]
    [InlineData("reduce-worker")]
    [InlineData("a1-b2-c3")]
    public void Valid_names_parse_unchanged(string s)
    {
        Assert.True(AcName.TryParse(s, out AcName n));
        Assert.Equal(s, n.Value);
        Assert.Equal(s, AcName.Parse(s).ToString());
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("a--b")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a_b")]
    [InlineData("a.b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    public void Invalid_names_are_rejected_with_the_field_named(string s)
    {
        Assert.False(AcName.TryParse(s, out _));
        var e = Assert.Throws<ManifestException>(() => AcName.Parse(s, "apps[0].name"));
        Assert.Equal("apps[0].name", e.Field);
        Assert.Contains($"\"{s}\" is not a valid AC name", e.Rule);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Empty_name_is_required(string? s)
    {
        var e = Assert.Throws<ManifestException>(() => AcName.Parse(s, "volumes[1].name"));
        Assert.Equal("volumes[1].name", e.Field);
        Assert.Equal("an AC name is required", e.Rule);
    }

    [Theory]
    [InlineData("reduce-worker", "reduce-worker")]
    [InlineData("Reduce_Worker", "reduce-worker")]
    [InlineData("foo.bar/baz", "foo-bar-baz")]
    [InlineData("--x--", "x")]
    [InlineData("a__b", "a-b")]
    [InlineData("My App 2", "my-app-2")]
    [InlineData("!!!", "app")]   // nothing usable: the fixed fallback
    [InlineData("", "app")]
    public void Sanitize_produces_a_valid_name(string input, string expected)
    {
        AcName n = AcName.Sanitize(input);
        Assert.Equal(expected, n.Value);
        Assert.True(AcName.TryParse(n.Value, out _));
    }

    [Theory]
    [InlineData("example.com/reduce-worker", "reduce-worker")]
    [InlineData("coreos.com/etcd", "etcd")]
    [InlineData("example.com/my_app.v2", "my-app-v2")]
    [InlineData("single", "single")]
    [InlineData("quay.io/org/tool~nightly", "tool-nightly")]
    public void DefaultAppName_is_the_last_component_sanitized(string image, string expected) =>
        Assert.Equal(expected, AcName.DefaultAppName(AcIdentifier.Parse(image)).Value);
}
