// SPDX-License-Identifier: MIT
namespace Rkt.Formats.Appc;

/// <summary>
/// A manifest or identifier failed validation. <see cref="Field"/> names the JSON path of the offending field
/// (e.g. <c>app.exec[0]</c>) and the message states the rule that was broken.
/// </summary>
public sealed class ManifestException : FormatException
{
    /// <summary>The stable error id every manifest validation failure carries.</summary>
    public const string InvalidManifestErrorId = "InvalidManifest";

    public ManifestException(string field, string rule, Exception? inner = null)
        : base(string.IsNullOrEmpty(field) ? rule : $"{field}: {rule}", inner)
    {
        Field = field;
        Rule = rule;
    }

    /// <summary>JSON path of the field, empty for the document itself.</summary>
    public string Field { get; }

    /// <summary>The rule that was broken, without the field name.</summary>
    public string Rule { get; }

    /// <summary>Stable error id (<see cref="InvalidManifestErrorId"/>).</summary>
    public string ErrorId => InvalidManifestErrorId;
}
