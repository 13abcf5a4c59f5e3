// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Images;

/// <summary>
/// An image named the way rkt's command line names it: <c>name[:version][,label=value...]</c>
/// (a single ':' right after the name means <c>version=</c>).
/// </summary>
public sealed record ImageReference(AcIdentifier Name, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Parses; throws <see cref="RktException"/> (InvalidImageReference) on bad input.</summary>
    public static ImageReference Parse(string text)
    {
        string[] parts = text.Split(',');
        string head = parts[0];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        int colon = head.IndexOf(':');
        if (colon >= 0)
        {
            labels["version"] = head[(colon + 1)..];
            head = head[..colon];
        }
        if (!AcIdentifier.TryParse(head, out AcIdentifier name))
            throw new RktException(RktErrorKind.InvalidInput, "InvalidImageReference", $"\"{text}\": \"{head}\" is not a valid image name", text);
        foreach (string p in parts.Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq <= 0 || !AcIdentifier.TryParse(p[..eq], out _))
                throw new RktException(RktErrorKind.InvalidInput, "InvalidImageReference", $"\"{text}\": \"{p}\" is not label=value", text);
            labels[p[..eq]] = p[(eq + 1)..];
        }
        return new ImageReference(name, labels);
    }

    /// <inheritdoc />
    public override string ToString() =>
        Name.Value + (Labels.TryGetValue("version", out string? v) ? ":" + v : "") +
        string.Concat(Labels.Where(kv => kv.Key != "version").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $",{kv.Key}={kv.Value}"));
}
