// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class SemVerTests
{
    [Theory]
    [InlineData("0.8.11", 0, 8, 11, "", "")]
    [InlineData("0.0.0", 0, 0, 0, "", "")]
    [InlineData("1.30.0", 1, 30, 0, "", "")]
    [InlineData("1.0.0-rc.1+build.5", 1, 0, 0, "rc.1", "build.5")]
    [InlineData("2.1.3-alpha-beta", 2, 1, 3, "alpha-beta", "")]
    [InlineData("3.0.0+sha.abc", 3, 0, 0, "", "sha.abc")]
    public void Parses_components_and_round_trips(string s, int major, int minor, int patch, string pre, string build)
    {
        SemVer v = SemVer.Parse(s, "acVersion");
        Assert.Equal(new SemVer(major, minor, patch, pre, build), v);
        Assert.Equal(s, v.ToString());
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1")]
    [InlineData("01.0.0")]
    [InlineData("1.02.0")]
    [InlineData("v1.0.0")]
    [InlineData("1.0.0-")]
    [InlineData("1.0.0+")]
    [InlineData("1.0.0-a..b")]
    [InlineData(" 1.0.0")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_non_semver(string? s)
    {
        var e = Assert.Throws<ManifestException>(() => SemVer.Parse(s, "acVersion"));
        Assert.Equal("acVersion", e.Field);
        Assert.Contains("is not a semantic version", e.Rule);
    }

    [Fact]
    public void Too_large_numbers_are_a_manifest_error_not_an_overflow()
    {
        var e = Assert.Throws<ManifestException>(() => SemVer.Parse("99999999999.0.0", "acVersion"));
        Assert.Equal("acVersion", e.Field);
        Assert.IsType<OverflowException>(e.InnerException);
    }

    [Fact]
    public void AppcSpec_is_0_8_11() => Assert.Equal("0.8.11", SemVer.AppcSpec.ToString());
}
