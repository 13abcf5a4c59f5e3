// SPDX-License-Identifier: MIT
using System.Text.RegularExpressions;

namespace Rkt.Formats.Appc.Types;

/// <summary>A Semantic Versioning 2.0 version, as <c>acVersion</c> requires.</summary>
public readonly partial record struct SemVer(int Major, int Minor, int Patch, string PreRelease, string Build)
{
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The appc spec version this implementation follows.</summary>
    public static readonly SemVer AppcSpec = new(0, 8, 11, "", "");

    /// <summary>Parses or throws naming the field.</summary>
    public static SemVer Parse(string? s, string field = "")
    {
        Match m = s is null ? Match.Empty : Pattern().Match(s);
        if (!m.Success) throw new ManifestException(field, $"\"{s}\" is not a semantic version (e.g. 0.8.11)");
        try
        {
            return new SemVer(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value),
                m.Groups[4].Value, m.Groups[5].Value);
        }
        catch (OverflowException e) { throw new ManifestException(field, $"\"{s}\" has a version number that is too large", e); }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Major}.{Minor}.{Patch}{(PreRelease.Length > 0 ? "-" + PreRelease : "")}{(Build.Length > 0 ? "+" + Build : "")}";
}
