// SPDX-License-Identifier: MIT
using System.Diagnostics.CodeAnalysis;

namespace Rkt.Formats.Appc.Types;

/// <summary>
/// An image ID as the store keys it: <c>sha512-</c> followed by the first 64 lowercase hex characters of the
/// SHA-512 of the uncompressed image tar (rkt's rule: half the digest). A full 128-hex ID is accepted and
/// truncated, as rkt does.
/// </summary>
public readonly record struct ImageId : IComparable<ImageId>
{
    /// <summary>The algorithm prefix.</summary>
    public const string Prefix = "sha512-";

    /// <summary>Hex characters kept in a key.</summary>
    public const int HexLength = 64;

    /// <summary>Hex characters in the short form shown in tables (<c>sha512-</c> + 12).</summary>
    public const int ShortHexLength = 12;

    private readonly string? _value;

    private ImageId(string value) => _value = value;

    /// <summary>The full 71-character key.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>The 64 hex characters.</summary>
    public string Hex => Value.Length > Prefix.Length ? Value[Prefix.Length..] : string.Empty;

    /// <summary><c>sha512-</c> + 12 hex: the form tables show and <c>-Id</c> accepts back.</summary>
    public string ShortId => Value.Length >= Prefix.Length + ShortHexLength ? Value[..(Prefix.Length + ShortHexLength)] : Value;

    /// <summary>Builds the key from a SHA-512 digest.</summary>
    public static ImageId FromDigest(ReadOnlySpan<byte> sha512)
    {
        if (sha512.Length != 64) throw new ArgumentException("a SHA-512 digest has 64 bytes", nameof(sha512));
        return new ImageId(Prefix + Convert.ToHexStringLower(sha512)[..HexLength]);
    }

    /// <summary>Parses a full ID (64 to 128 hex characters; longer input is truncated to 64).</summary>
    public static ImageId Parse(string? s, string field = "")
    {
        if (TryParse(s, out ImageId id)) return id;
        throw new ManifestException(field, $"\"{s}\" is not an image ID (expected sha512- followed by at least {HexLength} hex characters)");
    }

    /// <summary>Validates without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out ImageId id)
    {
        id = default;
        if (s is null || !s.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        string hex = s[Prefix.Length..];
        if (hex.Length < HexLength || hex.Length > 128 || !IsLowerHex(hex)) return false;
        id = new ImageId(Prefix + hex[..HexLength]);
        return true;
    }

    /// <summary>
    /// Normalizes an ID prefix for lookup: <c>sha512-</c> plus at least 2 hex characters (rkt's minimum); input
    /// longer than a key is truncated. Upper-case hex is accepted and lowered.
    /// </summary>
    public static bool TryParsePrefix([NotNullWhen(true)] string? s, [NotNullWhen(true)] out string? prefix)
    {
        prefix = null;
        if (s is null || !s.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return false;
        string hex = s[Prefix.Length..].ToLowerInvariant();
        if (hex.Length < 2 || !IsLowerHex(hex)) return false;
        if (hex.Length > HexLength) hex = hex[..HexLength];
        prefix = Prefix + hex;
        return true;
    }

    /// <summary>True when the text looks like an ID or ID prefix (starts with <c>sha512-</c>), as rkt decides "hash or name".</summary>
    public static bool LooksLikeId(string s) => s.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    private static bool IsLowerHex(string s)
    {
        foreach (char c in s) if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        return true;
    }

    /// <summary>Ordinal comparison.</summary>
    public int CompareTo(ImageId other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>
/// An appc hash as manifests carry it (<c>dependencies[].imageID</c>, <c>apps[].image.id</c>): <c>sha512-</c>
/// with any non-empty value, which is all the spec requires (its own example says <c>sha512-...</c>).
/// Use <see cref="TryGetImageId"/> where a store key is needed.
/// </summary>
public readonly record struct AppcHash
{
    private readonly string? _value;
    private AppcHash(string v) => _value = v;

    /// <summary>The hash text.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Parses with appc's rule (type sha512, non-empty value, exactly one '-').</summary>
    public static AppcHash Parse(string? s, string field = "")
    {
        if (s is null) throw new ManifestException(field, "a hash is required");
        string[] parts = s.Split('-');
        if (parts.Length != 2) throw new ManifestException(field, $"\"{s}\" is not a hash (expected sha512-<hex>)");
        if (parts[0] != "sha512") throw new ManifestException(field, $"unsupported hash type \"{parts[0]}\" (only sha512)");
        if (parts[1].Length == 0) throw new ManifestException(field, "the hash value is empty");
        return new AppcHash(s);
    }

    /// <summary>From a store key.</summary>
    public static AppcHash From(ImageId id) => new(id.Value);

    /// <summary>The value as a store key, if it is one.</summary>
    public bool TryGetImageId(out ImageId id) => ImageId.TryParse(Value, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
