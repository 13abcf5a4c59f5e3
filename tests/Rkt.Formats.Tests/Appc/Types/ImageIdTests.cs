// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc.Types;

public sealed class ImageIdTests
{
    // SHA-512("abc") from FIPS 180-2, appendix C.
    private const string AbcSha512 =
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    [Fact]
    public void FromDigest_keeps_the_first_64_lowercase_hex_characters()
    {
        ImageId id = ImageId.FromDigest(SHA512.HashData(Encoding.ASCII.GetBytes("abc")));
        Assert.Equal("sha512-" + AbcSha512[..64], id.Value);
        Assert.Equal(71, id.Value.Length);
        Assert.Equal(AbcSha512[..64], id.Hex);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(63)]
    [InlineData(65)]
    public void FromDigest_rejects_wrong_lengths(int length) =>
        Assert.Throws<ArgumentException>(() => ImageId.FromDigest(new byte[length]));

    [Fact]
    public void Full_128_hex_id_is_truncated_to_64()
    {
        ImageId id = ImageId.Parse("sha512-" + AbcSha512);
        Assert.Equal("sha512-" + AbcSha512[..64], id.Value);
        Assert.Equal(ImageId.FromDigest(SHA512.HashData("abc"u8)), id);
    }

    [Fact]
    public void A_64_hex_key_parses_as_is()
    {
        string key = "sha512-" + AbcSha512[..64];
        Assert.True(ImageId.TryParse(key, out ImageId id));
        Assert.Equal(key, id.ToString());
    }

    [Theory]
    [InlineData("sha512-DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A")] // uppercase
    [InlineData("SHA512-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")] // uppercase prefix
    [InlineData("sha512-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39")]  // 63 hex
    [InlineData("sha256-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")]
    [InlineData("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")]
    [InlineData("sha512-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39g")] // non-hex
    [InlineData("")]
    [InlineData(null)]
    public void Invalid_ids_are_rejected(string? s)
    {
        Assert.False(ImageId.TryParse(s, out _));
        var e = Assert.Throws<ManifestException>(() => ImageId.Parse(s, "id"));
        Assert.Equal("id", e.Field);
    }

    [Fact]
    public void Ids_longer_than_128_hex_are_rejected() =>
        Assert.False(ImageId.TryParse("sha512-" + AbcSha512 + "00", out _));

    [Fact]
    public void ShortId_is_sha512_plus_12_hex()
    {
        ImageId id = ImageId.Parse("sha512-" + AbcSha512);
        Assert.Equal("sha512-ddaf35a19361", id.ShortId);
        Assert.Equal(19, id.ShortId.Length);
    }

    [Theory]
    [InlineData("sha512-ab", "sha512-ab")]
    [InlineData("SHA512-ABCD", "sha512-abcd")]      // lowered for lookup
    [InlineData("sha512-DdAf35", "sha512-ddaf35")]
    public void TryParsePrefix_normalizes(string input, string expected)
    {
        Assert.True(ImageId.TryParsePrefix(input, out string? prefix));
        Assert.Equal(expected, prefix);
    }

    [Fact]
    public void TryParsePrefix_truncates_to_a_key()
    {
        Assert.True(ImageId.TryParsePrefix("sha512-" + AbcSha512, out string? prefix));
        Assert.Equal("sha512-" + AbcSha512[..64], prefix);
    }

    [Theory]
    [InlineData("sha512-")]
    [InlineData("sha512-a")]          // rkt needs at least 2 hex
    [InlineData("sha512-xy")]
    [InlineData("sha256-abcd")]
    [InlineData("abcd")]
    [InlineData(null)]
    public void TryParsePrefix_rejects(string? input)
    {
        Assert.False(ImageId.TryParsePrefix(input, out string? prefix));
        Assert.Null(prefix);
    }

    [Theory]
    [InlineData("sha512-ab", true)]
    [InlineData("SHA512-", true)]
    [InlineData("example.com/app", false)]
    public void LooksLikeId_decides_hash_or_name(string s, bool expected) => Assert.Equal(expected, ImageId.LooksLikeId(s));

    [Fact]
    public void Default_id_is_empty()
    {
        Assert.Equal("", default(ImageId).Value);
        Assert.Equal("", default(ImageId).Hex);
        Assert.Equal("", default(ImageId).ShortId);
    }
}

public sealed class AppcHashTests
{
    [Theory]
    [InlineData("sha512-...")]    // the spec's own example value
    [InlineData("sha512-abc")]
    [InlineData("sha512-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")]
    public void Lenient_rule_accepts_any_non_empty_sha512_value(string s) => Assert.Equal(s, AppcHash.Parse(s, "f").Value);

    [Theory]
    [InlineData("sha256-abc", "unsupported hash type \"sha256\" (only sha512)")]
    [InlineData("sha512-", "the hash value is empty")]
    [InlineData("sha512", "\"sha512\" is not a hash (expected sha512-<hex>)")]
    [InlineData("sha512-a-b", "\"sha512-a-b\" is not a hash (expected sha512-<hex>)")]
    [InlineData(null, "a hash is required")]
    public void Invalid_hashes_name_the_field(string? s, string rule)
    {
        var e = Assert.Throws<ManifestException>(() => AppcHash.Parse(s, "dependencies[0].imageID"));
        Assert.Equal("dependencies[0].imageID", e.Field);
        Assert.Equal(rule, e.Rule);
    }

    [Fact]
    public void TryGetImageId_only_for_real_keys()
    {
        Assert.False(AppcHash.Parse("sha512-...").TryGetImageId(out _));
        string full = "sha512-" + new string('a', 128);
        Assert.True(AppcHash.Parse(full).TryGetImageId(out ImageId id));
        Assert.Equal("sha512-" + new string('a', 64), id.Value);
        Assert.Equal(id.Value, AppcHash.From(id).Value);
    }
}
