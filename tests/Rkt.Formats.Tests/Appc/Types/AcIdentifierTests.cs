// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class AcIdentifierTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("example.com/reduce-worker")]
    [InlineData("coreos.com/etcd")]
    [InlineData("a-b.c_d~e/f")]
    [InlineData("appc.io/executor/supports-systemd-notify")]
    [InlineData("os/linux/capabilities-retain-set")]
    public void Valid_identifiers_parse_unchanged(string s)
    {
        Assert.True(AcIdentifier.TryParse(s, out AcIdentifier id));
        Assert.Equal(s, id.Value);
        Assert.Equal(s, AcIdentifier.Parse(s, "f").ToString());
    }

    [Theory]
    [InlineData("Example.com")]       // uppercase
    [InlineData("a--b")]              // double separator
    [InlineData("a./b")]              // mixed double separator
    [InlineData("-a")]                // leading separator
    [InlineData("a-")]                // trailing separator
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("é")]
    public void Invalid_identifiers_are_rejected_with_the_field_named(string s)
    {
        Assert.False(AcIdentifier.TryParse(s, out _));
        var e = Assert.Throws<ManifestException>(() => AcIdentifier.Parse(s, "labels[3].name"));
        Assert.Equal("labels[3].name", e.Field);
        Assert.Contains($"\"{s}\" is not a valid AC identifier", e.Message);
        Assert.StartsWith("labels[3].name: ", e.Message);
        Assert.Equal("InvalidManifest", e.ErrorId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Empty_identifier_is_reported_as_required(string? s)
    {
        Assert.False(AcIdentifier.TryParse(s, out _));
        var e = Assert.Throws<ManifestException>(() => AcIdentifier.Parse(s, "name"));
        Assert.Equal("name", e.Field);
        Assert.Equal("an AC identifier is required", e.Rule);
    }

    [Fact]
    public void Length_limit_is_512()
    {
        Assert.True(AcIdentifier.TryParse(new string('a', 512), out _));
        Assert.False(AcIdentifier.TryParse(new string('a', 513), out _));
    }

    [Theory]
    [InlineData("example.com/reduce-worker", "example.com/reduce-worker")]
    [InlineData("Example.COM/Foo", "example.com/foo")]     // lowercased
    [InlineData("foo bar", "foo_bar")]                       // invalid char -> '_'
    [InlineData("Hello World!", "hello_world")]              // trailing invalid char trimmed
    [InlineData("--foo--", "foo")]                           // edge separators trimmed
    [InlineData("/usr/bin/", "usr/bin")]
    [InlineData("a  b", "a_b")]                              // run of invalid chars collapses
    [InlineData("a-.b", "a-b")]                              // separator run collapses to its first char
    [InlineData("foo:1.0", "foo_1.0")]
    [InlineData("quay.io/coreos/etcd:v3.4", "quay.io/coreos/etcd_v3.4")]
    public void Sanitize_produces_a_valid_identifier(string input, string expected)
    {
        AcIdentifier id = AcIdentifier.Sanitize(input);
        Assert.Equal(expected, id.Value);
        Assert.True(AcIdentifier.TryParse(id.Value, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("---")]
    public void Sanitize_without_any_usable_character_fails_clearly(string input)
    {
        var e = Assert.Throws<ManifestException>(() => AcIdentifier.Sanitize(input));
        Assert.Contains("no character usable", e.Rule);
    }

    [Fact]
    public void Sanitize_keeps_the_length_limit()
    {
        AcIdentifier id = AcIdentifier.Sanitize(new string('a', 600));
        Assert.Equal(512, id.Value.Length);
    }

    [Fact]
    public void Default_value_is_empty_and_comparison_is_ordinal()
    {
        Assert.Equal("", default(AcIdentifier).Value);
        Assert.True(AcIdentifier.Parse("a").CompareTo(AcIdentifier.Parse("b")) < 0);
        Assert.True(AcIdentifier.Parse("a.b").CompareTo(AcIdentifier.Parse("a/b")) < 0); // '.' (0x2e) < '/' (0x2f)
        Assert.Equal(AcIdentifier.Parse("x/y"), AcIdentifier.Parse("x/y"));
    }
}
