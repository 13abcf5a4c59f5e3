// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class ResourceQuantityTests
{
    public static TheoryData<string, decimal> Valid => new()
    {
        { "500m", 0.5m },
        { "20m", 0.02m },
        { "1", 1m },
        { "0", 0m },
        { "0.5", 0.5m },
        { "1.5", 1.5m },
        { "2K", 2000m },           // the spec text's kilo
        { "2k", 2000m },           // appc's Go code (Kubernetes quantities) only knows lowercase k
        { "1M", 1_000_000m },
        { "1G", 1_000_000_000m },
        { "4G", 4_000_000_000m },
        { "1T", 1e12m },
        { "1P", 1e15m },
        { "1E", 1e18m },
        { "1Ki", 1024m },
        { "512Mi", 512m * 1024 * 1024 },
        { "1Gi", 1073741824m },        // 2^30
        { "1.5Gi", 1610612736m },      // 1.5 * 2^30
        { "1Ti", 1099511627776m },     // 2^40
        { "1Pi", 1125899906842624m },  // 2^50
        { "1Ei", 1152921504606846976m }, // 2^60
        { "0.25Ki", 256m },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_value_and_keeps_text(string text, decimal expected)
    {
        ResourceQuantity q = ResourceQuantity.Parse(text, "f");
        Assert.Equal(expected, q.Value);
        Assert.Equal(text, q.Text);
        Assert.Equal(text, q.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("1g")]
    [InlineData("1gi")]
    [InlineData("1KI")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1 G")]
    [InlineData(".5")]
    [InlineData("1.")]
    [InlineData("1.5.5")]
    [InlineData("1e3")]
    [InlineData("1Gib")]
    [InlineData(null)]
    public void Rejects_malformed_quantities(string? text)
    {
        var e = Assert.Throws<ManifestException>(() => ResourceQuantity.Parse(text, "app.isolators[0].value.limit"));
        Assert.Equal("app.isolators[0].value.limit", e.Field);
        Assert.Contains("is not a resource quantity", e.Rule);
    }

    [Theory]
    [InlineData("99999999999999E")]                           // multiplication overflows decimal
    [InlineData("9999999999999999999999999999999999999999")]  // the number alone overflows decimal
    public void Huge_quantities_are_a_manifest_error(string text)
    {
        var e = Assert.Throws<ManifestException>(() => ResourceQuantity.Parse(text, "q"));
        Assert.Equal("q", e.Field);
        Assert.Contains("too large", e.Rule);
    }
}
