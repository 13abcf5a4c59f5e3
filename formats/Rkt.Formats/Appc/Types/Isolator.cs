// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rkt.Formats.Appc.Types;

/// <summary>
/// A resource quantity as the appc isolators write it: an integer or decimal with an optional suffix
/// <c>m</c> (milli), <c>K M G T P E</c> (powers of 1000) or <c>Ki Mi Gi Ti Pi Ei</c> (powers of 1024).
/// Kilo is accepted as <c>K</c> (the spec text) and <c>k</c> (appc's Go code uses Kubernetes quantities, which
/// only know <c>k</c>, so that is what rkt-era images carry).
/// </summary>
public readonly partial record struct ResourceQuantity(decimal Value, string Text)
{
    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(m|k|K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses or throws naming the field.</summary>
    public static ResourceQuantity Parse(string? s, string field)
    {
        Match m = s is null ? Match.Empty : Pattern().Match(s);
        if (!m.Success) throw new ManifestException(field, $"\"{s}\" is not a resource quantity (e.g. 500m, 1G, 512Mi)");
        // decimal holds about 28 digits: a longer number overflows already here, not only when scaled
        if (!decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal v))
            throw new ManifestException(field, $"\"{s}\" is too large");
        decimal mult = m.Groups[2].Value switch
        {
            "" => 1m, "m" => 0.001m,
            "k" or "K" => 1e3m, "M" => 1e6m, "G" => 1e9m, "T" => 1e12m, "P" => 1e15m, "E" => 1e18m,
            "Ki" => 1024m, "Mi" => 1024m * 1024, "Gi" => 1024m * 1024 * 1024, "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024, "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            _ => throw new ManifestException(field, "unknown suffix"),
        };
        try { return new ResourceQuantity(v * mult, s!); }
        catch (OverflowException e) { throw new ManifestException(field, $"\"{s}\" is too large", e); }
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>
/// One appc isolator: a name and an opaque JSON value. Known isolators are validated when parsed and have
/// typed accessors; unknown ones are kept verbatim (executors must report the ones they ignore).
/// </summary>
public sealed class Isolator
{
    /// <summary>Names this implementation knows and validates.</summary>
    public static readonly IReadOnlySet<string> KnownNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "resource/cpu", "resource/memory", "os/linux/capabilities-retain-set", "os/linux/capabilities-remove-set",
        "os/linux/no-new-privileges", "os/linux/seccomp-retain-set", "os/linux/seccomp-remove-set",
        "os/linux/oom-score-adj", "os/linux/cpu-shares",
    };

    private Isolator(AcIdentifier name, string rawValue)
    {
        Name = name;
        RawValue = rawValue;
    }

    /// <summary>The isolator name.</summary>
    public AcIdentifier Name { get; }

    /// <summary>The value as compact JSON text.</summary>
    public string RawValue { get; }

    /// <summary><c>resource/*</c>: the limit, if set.</summary>
    public ResourceQuantity? Limit => TryResource("limit");

    /// <summary><c>resource/*</c>: the request, if set.</summary>
    public ResourceQuantity? Request => TryResource("request");

    /// <summary><c>*-set</c> isolators: the set.</summary>
    public IReadOnlyList<string> Set
    {
        get
        {
            using JsonDocument d = JsonDocument.Parse(RawValue);
            // Unknown isolators are not validated, so tolerate any shape: non-strings read as "".
            return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("set", out JsonElement s) && s.ValueKind == JsonValueKind.Array
                ? s.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? Json.JsonObj.Text(e, "set") : "").ToArray() : [];
        }
    }

    /// <summary>Scalar integer value (oom-score-adj, cpu-shares).</summary>
    public long? IntValue
    {
        get
        {
            using JsonDocument d = JsonDocument.Parse(RawValue);
            return d.RootElement.ValueKind == JsonValueKind.Number && d.RootElement.TryGetInt64(out long v) ? v : null;
        }
    }

    /// <summary>Scalar boolean value (no-new-privileges).</summary>
    public bool? BoolValue
    {
        get
        {
            using JsonDocument d = JsonDocument.Parse(RawValue);
            return d.RootElement.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };
        }
    }

    private ResourceQuantity? TryResource(string key)
    {
        using JsonDocument d = JsonDocument.Parse(RawValue);
        return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty(key, out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? ResourceQuantity.Parse(e.GetString(), key) : null;
    }

    /// <summary>Builds and validates an isolator from its JSON value.</summary>
    public static Isolator Create(AcIdentifier name, JsonElement value, string field)
    {
        Validate(name.Value, value, field + ".value");
        // Re-writing unescapes strings, which fails for unpaired surrogate escapes (\ud800) in opaque values.
        try { return new Isolator(name, Compact(value.GetRawText())); }
        catch (InvalidOperationException e) { throw new ManifestException(field + ".value", "contains a string that is not valid Unicode (unpaired surrogate escape)", e); }
    }

    /// <summary>Builds from JSON text.</summary>
    public static Isolator Create(string name, string jsonValue, string field = "isolator")
    {
        AcIdentifier id = AcIdentifier.Parse(name, field + ".name");
        JsonDocument d;
        try { d = JsonDocument.Parse(jsonValue); }
        catch (JsonException e) { throw new ManifestException(field + ".value", $"is not valid JSON: {e.Message}", e); }
        using (d) return Create(id, d.RootElement, field);
    }

    private static string Compact(string raw)
    {
        using JsonDocument d = JsonDocument.Parse(raw);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) d.RootElement.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Validate(string name, JsonElement v, string field)
    {
        switch (name)
        {
            case "resource/cpu":
            case "resource/memory":
            {
                if (v.ValueKind != JsonValueKind.Object) throw new ManifestException(field, "must be an object with request and/or limit");
                ResourceQuantity? req = null, lim = null;
                foreach (JsonProperty p in v.EnumerateObject())
                {
                    string key = Json.JsonObj.Name(p, field);
                    if (key is not ("request" or "limit" or "default")) throw new ManifestException($"{field}.{key}", "unknown resource field (request, limit)");
                    if (key == "default") continue;
                    if (p.Value.ValueKind != JsonValueKind.String) throw new ManifestException($"{field}.{key}", "must be a quantity string");
                    ResourceQuantity q = ResourceQuantity.Parse(Json.JsonObj.Text(p.Value, $"{field}.{key}"), $"{field}.{key}");
                    if (key == "request") req = q; else lim = q;
                }
                if (req is null && lim is null) throw new ManifestException(field, "needs a request or a limit");
                if (req is { } r && lim is { } l && r.Value > l.Value) throw new ManifestException(field, "request must not exceed limit");
                break;
            }
            case "os/linux/capabilities-retain-set":
            case "os/linux/capabilities-remove-set":
            {
                string[] set = RequireSet(v, field);
                for (int i = 0; i < set.Length; i++)
                    if (!set[i].StartsWith("CAP_", StringComparison.Ordinal) || set[i].Length < 5)
                        throw new ManifestException($"{field}.set[{i}]", $"\"{set[i]}\" is not a capability name (CAP_...)");
                break;
            }
            case "os/linux/seccomp-retain-set":
            case "os/linux/seccomp-remove-set":
            {
                RequireSet(v, field);
                if (v.TryGetProperty("errno", out JsonElement e))
                {
                    string? s = e.ValueKind == JsonValueKind.String ? Json.JsonObj.Text(e, $"{field}.errno") : null;
                    if (s is null || s.Length < 2 || s[0] != 'E' || !s.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9'))
                        throw new ManifestException($"{field}.errno", $"\"{e}\" is not an errno name (e.g. EPERM)");
                }
                break;
            }
            case "os/linux/no-new-privileges":
                if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new ManifestException(field, "must be true or false");
                break;
            case "os/linux/oom-score-adj":
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int adj) || adj < -1000 || adj > 1000)
                    throw new ManifestException(field, "must be an integer from -1000 to 1000");
                break;
            case "os/linux/cpu-shares":
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int sh) || sh < 2 || sh > 262144)
                    throw new ManifestException(field, "must be an integer from 2 to 262144");
                break;
        }
    }

    private static string[] RequireSet(JsonElement v, string field)
    {
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("set", out JsonElement s) || s.ValueKind != JsonValueKind.Array)
            throw new ManifestException(field, "must be an object with a \"set\" array");
        string[] set = s.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String ? Json.JsonObj.Text(e, $"{field}.set[{i}]") : "").ToArray();
        if (set.Length == 0) throw new ManifestException($"{field}.set", "must not be empty");
        for (int i = 0; i < set.Length; i++) if (set[i].Length == 0) throw new ManifestException($"{field}.set[{i}]", "must be a non-empty string");
        return set;
    }
}
