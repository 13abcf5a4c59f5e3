// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class LabelsTests
{
    private static NameValue L(string n, string v) => new(AcIdentifier.Parse(n), v);

    [Fact]
    public void FromDictionary_orders_version_os_arch_then_by_name()
    {
        var map = new Dictionary<string, string>
        {
            ["zeta"] = "z", ["arch"] = "amd64", ["alpha"] = "a", ["os"] = "linux", ["version"] = "1.0", ["beta"] = "b",
        };
        Labels l = Labels.FromDictionary(map);
        Assert.Equal(["version", "os", "arch", "alpha", "beta", "zeta"], l.Select(x => x.Name.Value));
        Assert.Equal("amd64", l["arch"]);
        Assert.Equal(6, l.Count);
        Assert.Equal("1.0", l[0].Value);
    }

    [Fact]
    public void FromDictionary_rejects_invalid_names_with_the_field()
    {
        var e = Assert.Throws<ManifestException>(() => Labels.FromDictionary(new Dictionary<string, string> { ["Bad"] = "x" }, "labels"));
        Assert.Equal("labels[0].name", e.Field);
    }

    [Fact]
    public void Satisfies_requires_every_label_with_equal_value()
    {
        Labels l = Labels.Create([L("version", "1.0"), L("os", "linux"), L("arch", "amd64")]);
        Assert.True(l.Satisfies([]));
        Assert.True(l.Satisfies(new Dictionary<string, string> { ["os"] = "linux" }));
        Assert.True(l.Satisfies(new Dictionary<string, string> { ["os"] = "linux", ["version"] = "1.0", ["arch"] = "amd64" }));
        Assert.False(l.Satisfies(new Dictionary<string, string> { ["os"] = "linux", ["version"] = "2.0" }));
        Assert.False(l.Satisfies(new Dictionary<string, string> { ["channel"] = "stable" }));
        Assert.False(l.Satisfies(new Dictionary<string, string> { ["version"] = "1.0 " }));
        Assert.False(Labels.Empty.Satisfies(new Dictionary<string, string> { ["os"] = "linux" }));
    }

    [Fact]
    public void Lookup_and_dictionary_copy()
    {
        Labels l = Labels.Create([L("version", "1"), L("env", "canary")]);
        Assert.True(l.TryGet("env", out string? v));
        Assert.Equal("canary", v);
        Assert.False(l.TryGet("os", out _));
        Assert.Null(l["os"]);
        Assert.Equal(new Dictionary<string, string> { ["version"] = "1", ["env"] = "canary" }, l.ToDictionary());
    }

    [Fact]
    public void Duplicate_label_names_the_second_entry()
    {
        var e = Assert.Throws<ManifestException>(() => Labels.Create([L("version", "1"), L("os", "linux"), L("version", "2")]));
        Assert.Equal("labels[2].name", e.Field);
        Assert.Equal("duplicate label \"version\"", e.Rule);
    }

    [Fact]
    public void Name_is_a_reserved_label()
    {
        var e = Assert.Throws<ManifestException>(() => Labels.Create([L("name", "x")], "dependencies[0].labels"));
        Assert.Equal("dependencies[0].labels[0].name", e.Field);
    }

    [Theory]
    [InlineData("windows", null)]
    [InlineData("Linux", null)]
    [InlineData("linux", "x86_64")]    // darwin's name for it, not linux's
    [InlineData("darwin", "amd64")]
    [InlineData("freebsd", "aarch64")]
    public void Os_and_arch_must_be_in_the_whitelist(string os, string? arch)
    {
        var items = new List<NameValue> { L("os", os) };
        if (arch is not null) items.Add(L("arch", arch));
        var e = Assert.Throws<ManifestException>(() => Labels.Create(items));
        Assert.Equal(arch is null ? "labels[0].value" : "labels[1].value", e.Field);
        Assert.StartsWith(arch is null ? $"bad os \"{os}\"" : $"bad arch \"{arch}\" for {os}", e.Rule);
    }

    [Theory]
    [InlineData("linux", "amd64")]
    [InlineData("linux", "aarch64")]
    [InlineData("linux", "s390x")]
    [InlineData("freebsd", "arm")]
    [InlineData("darwin", "x86_64")]
    public void Whitelisted_os_arch_pairs_are_accepted(string os, string arch) =>
        Assert.Equal(2, Labels.Create([L("os", os), L("arch", arch)]).Count);

    [Fact]
    public void Arch_without_os_is_not_checked() => Assert.Single(Labels.Create([L("arch", "anything")]));

    [Fact]
    public void Annotations_reject_duplicates_and_With_replaces()
    {
        var e = Assert.Throws<ManifestException>(() => Annotations.Create([L("a", "1"), L("a", "2")], "apps[1].annotations"));
        Assert.Equal("apps[1].annotations[1].name", e.Field);
        Assert.Equal("duplicate annotation \"a\"", e.Rule);

        Annotations a = Annotations.Create([L("a", "1"), L("b", "2")]).With("a", "3").With("c", "4");
        Assert.Equal("3", a["a"]);
        Assert.Equal("4", a["c"]);
        Assert.Equal(3, a.Count);
        Assert.Throws<ManifestException>(() => a.With("Bad", "x"));
    }
}
