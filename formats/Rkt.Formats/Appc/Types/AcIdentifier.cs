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
        if (!string.IsNullOrEmpty(s) && s.Length <= MaxLength && Pattern().IsMatch(s)) { id = new AcIdentifier(s); return true; }
        id = default;
        return false;
    }

    /// <summary>Longest identifier accepted.</summary>
    public const int MaxLength = 512;

    /// <summary>
    /// Makes a valid identifier from arbitrary text (appc's sanitize rule, then a little stricter so the result
    /// always parses): lowercase, characters outside <c>[a-z0-9-._~/]</c> become '_', runs of separators collapse
    /// to their first character, separators are trimmed from both ends and the result is cut to
    /// <see cref="MaxLength"/>. Throws <see cref="ManifestException"/> when nothing usable is left.
    /// </summary>
    public static AcIdentifier Sanitize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c0 in s.ToLowerInvariant())
        {
            char c = (c0 is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' or '/') ? c0 : '_';
            sb.Append(c);
        }
        // collapse separator runs, which the pattern forbids, then trim edges (again after cutting to length)
        string t = Regex.Replace(sb.ToString(), "[-._~/]{2,}", m => m.Value[0].ToString()).Trim(Separators);
        if (t.Length > MaxLength) t = t[..MaxLength].TrimEnd(Separators);
        if (t.Length == 0) throw new ManifestException("", $"\"{s}\" has no character usable in an AC identifier");
        return Parse(t);
    }

    private static readonly char[] Separators = ['-', '.', '_', '~', '/'];

    /// <summary>Ordinal comparison.</summary>
    public int CompareTo(AcIdentifier other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
