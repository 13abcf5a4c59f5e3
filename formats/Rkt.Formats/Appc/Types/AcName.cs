// SPDX-License-Identifier: MIT
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace Rkt.Formats.Appc.Types;

/// <summary>appc AC Name: app, volume, mount point and port names. <c>[a-z0-9]+</c> words joined by single '-'.</summary>
public readonly partial record struct AcName : IComparable<AcName>
{
    private readonly string? _value;

    private AcName(string value) => _value = value;

    /// <summary>The name text.</summary>
    public string Value => _value ?? string.Empty;

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses or throws <see cref="ManifestException"/> naming <paramref name="field"/>.</summary>
    public static AcName Parse(string? s, string field = "")
    {
        if (TryParse(s, out AcName n)) return n;
        throw new ManifestException(field, s is null or ""
            ? "an AC name is required"
            : $"\"{s}\" is not a valid AC name (lowercase letters and digits joined by single '-')");
    }

    /// <summary>Validates without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out AcName name)
    {
        if (!string.IsNullOrEmpty(s) && s.Length <= MaxLength && Pattern().IsMatch(s)) { name = new AcName(s); return true; }
        name = default;
        return false;
    }

    /// <summary>Longest name accepted.</summary>
    public const int MaxLength = 512;

    /// <summary>
    /// appc's sanitize rule: lowercase, invalid characters become '-', runs collapsed, dashes trimmed, cut to
    /// <see cref="MaxLength"/>. Text with nothing usable becomes <c>app</c>, so a default app name always exists.
    /// </summary>
    public static AcName Sanitize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s.ToLowerInvariant())
            sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-');
        string t = Regex.Replace(sb.ToString(), "-{2,}", "-").Trim('-');
        if (t.Length > MaxLength) t = t[..MaxLength].TrimEnd('-');
        return Parse(t.Length == 0 ? "app" : t);
    }

    /// <summary>The default app name for an image name: its last '/' component, sanitized.</summary>
    public static AcName DefaultAppName(AcIdentifier imageName)
    {
        string v = imageName.Value;
        int i = v.LastIndexOf('/');
        return Sanitize(i >= 0 ? v[(i + 1)..] : v);
    }

    /// <summary>Ordinal comparison.</summary>
    public int CompareTo(AcName other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
