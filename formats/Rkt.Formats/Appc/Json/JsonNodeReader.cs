// SPDX-License-Identifier: MIT
using System.Text.Json;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Appc.Json;

/// <summary>A JSON object being read, with its path for error messages. Unknown members are ignored, as appc's Go decoder does.</summary>
internal readonly struct JsonObj
{
    public JsonObj(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ManifestException(path, "must be a JSON object");
        Element = e;
        Path = path;
    }

    public JsonElement Element { get; }
    public string Path { get; }

    public string Field(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public bool Has(string name) => Element.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    public string? Str(string name, bool required = false)
    {
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw new ManifestException(Field(name), "is required") : null;
        if (v.ValueKind != JsonValueKind.String) throw new ManifestException(Field(name), "must be a string");
        return Text(v, Field(name));
    }

    /// <summary>
    /// The string value. The document is valid UTF-8 (checked on parse), but an escape such as <c>\ud800</c> is
    /// still not a valid string, and <see cref="JsonElement.GetString"/> throws InvalidOperationException for it.
    /// </summary>
    public static string Text(JsonElement v, string field)
    {
        try { return v.GetString()!; }
        catch (InvalidOperationException e) { throw new ManifestException(field, "is not a valid Unicode string (unpaired surrogate escape)", e); }
    }

    /// <summary>A property name, with the same guard as <see cref="Text"/>.</summary>
    public static string Name(JsonProperty p, string parentField)
    {
        try { return p.Name; }
        catch (InvalidOperationException e) { throw new ManifestException(parentField, "has a member name that is not a valid Unicode string", e); }
    }

    public bool? Bool(string name)
    {
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ManifestException(Field(name), "must be true or false"),
        };
    }

    public long? Int(string name, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n)) throw new ManifestException(Field(name), "must be an integer");
        if (n < min || n > max) throw new ManifestException(Field(name), $"must be between {min} and {max}");
        return n;
    }

    public JsonObj? Obj(string name)
    {
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        return new JsonObj(v, Field(name));
    }

    public IEnumerable<(JsonElement Element, string Path)> Array(string name)
    {
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) yield break;
        if (v.ValueKind != JsonValueKind.Array) throw new ManifestException(Field(name), "must be an array");
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray()) { yield return (item, $"{Field(name)}[{i}]"); i++; }
    }

    public IEnumerable<(JsonObj Obj, string Path)> Objects(string name) =>
        Array(name).Select(x => (new JsonObj(x.Element, x.Path), x.Path));

    public List<string> Strings(string name) =>
        Array(name).Select(x => x.Element.ValueKind == JsonValueKind.String ? Text(x.Element, x.Path) : throw new ManifestException(x.Path, "must be a string")).ToList();

    public List<NameValue> NameValues(string name) =>
        Objects(name).Select(x => new NameValue(AcIdentifier.Parse(x.Obj.Str("name", true), x.Path + ".name"), x.Obj.Str("value", true)!)).ToList();

    public Dictionary<string, string> StringMap(string name)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Element.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return d;
        if (v.ValueKind != JsonValueKind.Object) throw new ManifestException(Field(name), "must be an object of strings");
        foreach (JsonProperty p in v.EnumerateObject())
        {
            string key = Name(p, Field(name));
            d[key] = p.Value.ValueKind == JsonValueKind.String ? Text(p.Value, $"{Field(name)}.{key}") : throw new ManifestException($"{Field(name)}.{key}", "must be a string");
        }
        return d;
    }

    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, string what)
    {
        // JsonDocument checks the structure but decodes string contents lazily; reject bad UTF-8 up front
        // so that no later GetString can fail with InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span)) throw new ManifestException("", $"{what} is not valid UTF-8");
        try { return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e) { throw new ManifestException("", $"{what} is not valid JSON: {e.Message}", e); }
    }
}

/// <summary>Small helpers shared by the manifest writers.</summary>
internal static class JsonOut
{
    public static void NameValues(Utf8JsonWriter w, string name, IReadOnlyList<NameValue> items, bool always = false)
    {
        if (items.Count == 0 && !always) return;
        w.WriteStartArray(name);
        foreach (NameValue nv in items)
        {
            w.WriteStartObject();
            w.WriteString("name", nv.Name.Value);
            w.WriteString("value", nv.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (string s in items) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    public static void StringMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0) return;
        w.WriteStartObject(name);
        foreach (var kv in map.OrderBy(k => k.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
        w.WriteEndObject();
    }

    public static void Isolators(Utf8JsonWriter w, IReadOnlyList<Isolator> isolators)
    {
        if (isolators.Count == 0) return;
        w.WriteStartArray("isolators");
        foreach (Isolator iso in isolators)
        {
            w.WriteStartObject();
            w.WriteString("name", iso.Name.Value);
            w.WritePropertyName("value");
            w.WriteRawValue(iso.RawValue);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static byte[] Write(Action<Utf8JsonWriter> body, bool indented)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body(w);
        return ms.ToArray();
    }
}
