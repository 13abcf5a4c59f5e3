// SPDX-License-Identifier: MIT
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace Rkt.Formats.Appc.Types;

/// <summary>
/// appc AC Identifier: image names, label, annotation and isolator names.
/// Lowercase <c>[a-z0-9]+</c> words joined by one of <c>-._~/</c>, e.g. <c>example.com/reduce-worker</c>.
/// </summary>
public readonly partial record struct AcIdentifier : IComparable<AcIdentifier>
{
    private readonly string? _value;

    private AcIdentifier(string value) => _value = value;

    /// <summary>The identifier text (empty for the default value).</summary>
    public string Value => _value ?? string.Empty;

    [GeneratedRegex("^[a-z0-9]+([-._~/][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses or throws <see cref="ManifestException"/> naming <paramref name="field"/>.</summary>
    public static AcIdentifier Parse(string? s, string field = "")
    {
        if (TryParse(s, out AcIdentifier id)) return id;
        throw new ManifestException(field, s is null or ""
            ? "an AC identifier is required"
            : $"\"{s}\" is not a valid AC identifier (lowercase letters and digits, joined by single '-', '.', '_', '~' or '/')");
    }

    /// <summary>Validates without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out AcIdentifier id)
    {
        if (!string.IsNullOrEmpty(s) && s.Length <= 512 && Pattern().IsMatch(s)) { id = new AcIdentifier(s); return true; }
        id = default;
        return false;
    }

    /// <summary>Makes a valid identifier from arbitrary text: lowercase, invalid runs become '_', separators trimmed (appc's sanitize rule).</summary>
    public static AcIdentifier Sanitize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c0 in s.ToLowerInvariant())
        {
            char c = (c0 is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' or '/') ? c0 : '_';
            sb.Append(c);
        }
        string t = sb.ToString().Trim('-', '.', '_', '~', '/');
        // collapse separator runs, which the pattern forbids
        t = Regex.Replace(t, "[-._~/]{2,}", m => m.Value[0].ToString());
        return Parse(t.Length == 0 ? "_" : t);
    }

    /// <summary>Ordinal comparison.</summary>
    public int CompareTo(AcIdentifier other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
