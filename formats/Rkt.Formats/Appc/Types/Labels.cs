// SPDX-License-Identifier: MIT
using System.Collections;

namespace Rkt.Formats.Appc.Types;

/// <summary>One label or annotation: an AC identifier name and a string value.</summary>
public readonly record struct NameValue(AcIdentifier Name, string Value);

/// <summary>
/// An ordered list of unique-named labels (appc <c>labels</c>). The name <c>name</c> is reserved; <c>os</c> must
/// be a known OS and <c>arch</c> a known architecture for it (appc's whitelist). Errors about os/arch name the
/// offending entry's value (e.g. <c>labels[1].value</c>).
/// </summary>
public sealed class Labels : IReadOnlyList<NameValue>
{
    /// <summary>appc's operating system / architecture whitelist.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ValidOsArch = new Dictionary<string, string[]>
    {
        ["linux"] = ["amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64", "ppc64le", "s390x"],
        ["freebsd"] = ["amd64", "i386", "arm"],
        ["darwin"] = ["x86_64", "i386"],
    };

    /// <summary>No labels.</summary>
    public static readonly Labels Empty = new([]);

    private readonly NameValue[] _items;

    private Labels(NameValue[] items) => _items = items;

    /// <summary>Validates and builds. <paramref name="field"/> names the list in errors (e.g. <c>labels</c>).</summary>
    public static Labels Create(IEnumerable<NameValue> items, string field = "labels")
    {
        NameValue[] arr = items.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < arr.Length; i++)
        {
            string n = arr[i].Name.Value;
            if (n == "name") throw new ManifestException($"{field}[{i}].name", "\"name\" cannot be used as a label name");
            if (!seen.Add(n)) throw new ManifestException($"{field}[{i}].name", $"duplicate label \"{n}\"");
        }
        Labels l = new(arr);
        int osAt = Array.FindIndex(arr, x => x.Name.Value == "os");
        if (osAt >= 0)
        {
            string os = arr[osAt].Value;
            if (!ValidOsArch.TryGetValue(os, out string[]? archs))
                throw new ManifestException($"{field}[{osAt}].value", $"bad os \"{os}\" (must be one of: {string.Join(", ", ValidOsArch.Keys.Order(StringComparer.Ordinal))})");
            int archAt = Array.FindIndex(arr, x => x.Name.Value == "arch");
            if (archAt >= 0 && !archs.Contains(arr[archAt].Value))
                throw new ManifestException($"{field}[{archAt}].value", $"bad arch \"{arr[archAt].Value}\" for {os} (must be one of: {string.Join(", ", archs)})");
        }
        return l;
    }

    /// <summary>From a dictionary (order: <c>version</c>, <c>os</c>, <c>arch</c> first, then by name).</summary>
    public static Labels FromDictionary(IEnumerable<KeyValuePair<string, string>> map, string field = "labels") =>
        Create(map.OrderBy(kv => kv.Key switch { "version" => 0, "os" => 1, "arch" => 2, _ => 3 }).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select((kv, i) => new NameValue(AcIdentifier.Parse(kv.Key, $"{field}[{i}].name"), kv.Value)), field);

    /// <summary>Looks up a label.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        foreach (NameValue nv in _items) if (nv.Name.Value == name) { value = nv.Value; return true; }
        value = null;
        return false;
    }

    /// <summary>The value or null.</summary>
    public string? this[string name] => TryGet(name, out string? v) ? v : null;

    /// <summary>Copy as a dictionary.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary() => _items.ToDictionary(x => x.Name.Value, x => x.Value, StringComparer.Ordinal);

    /// <summary>True when every label of <paramref name="required"/> is present here with an equal value.</summary>
    public bool Satisfies(IEnumerable<KeyValuePair<string, string>> required)
    {
        foreach (var kv in required) if (!TryGet(kv.Key, out string? v) || v != kv.Value) return false;
        return true;
    }

    /// <inheritdoc />
    public NameValue this[int index] => _items[index];
    /// <inheritdoc />
    public int Count => _items.Length;
    /// <inheritdoc />
    public IEnumerator<NameValue> GetEnumerator() => ((IEnumerable<NameValue>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

/// <summary>An ordered list of unique-named annotations (appc <c>annotations</c>).</summary>
public sealed class Annotations : IReadOnlyList<NameValue>
{
    /// <summary>No annotations.</summary>
    public static readonly Annotations Empty = new([]);

    private readonly NameValue[] _items;
    private Annotations(NameValue[] items) => _items = items;

    /// <summary>Validates (unique names) and builds.</summary>
    public static Annotations Create(IEnumerable<NameValue> items, string field = "annotations")
    {
        NameValue[] arr = items.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < arr.Length; i++)
            if (!seen.Add(arr[i].Name.Value)) throw new ManifestException($"{field}[{i}].name", $"duplicate annotation \"{arr[i].Name}\"");
        return new Annotations(arr);
    }

    /// <summary>Looks up an annotation.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        foreach (NameValue nv in _items) if (nv.Name.Value == name) { value = nv.Value; return true; }
        value = null;
        return false;
    }

    /// <summary>The value or null.</summary>
    public string? this[string name] => TryGet(name, out string? v) ? v : null;

    /// <summary>A copy with <paramref name="name"/> set (replaced or appended).</summary>
    public Annotations With(string name, string value)
    {
        var list = _items.Where(x => x.Name.Value != name).ToList();
        list.Add(new NameValue(AcIdentifier.Parse(name, "annotations"), value));
        return new Annotations(list.ToArray());
    }

    /// <inheritdoc />
    public NameValue this[int index] => _items[index];
    /// <inheritdoc />
    public int Count => _items.Length;
    /// <inheritdoc />
    public IEnumerator<NameValue> GetEnumerator() => ((IEnumerable<NameValue>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
