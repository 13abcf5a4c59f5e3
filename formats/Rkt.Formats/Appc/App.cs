// SPDX-License-Identifier: MIT
using System.Text.Json;
using Rkt.Formats.Appc.Json;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Appc;

/// <summary>An environment variable of an app (appc <c>environment[]</c>).</summary>
public sealed record EnvironmentVariable(string Name, string Value);

/// <summary>appc <c>eventHandlers[]</c>: <c>pre-start</c> or <c>post-stop</c> with an exec.</summary>
public sealed record EventHandler(string Name, IReadOnlyList<string> Exec);

/// <summary>appc <c>mountPoints[]</c>: a named place in the app's filesystem where a volume goes.</summary>
public sealed record MountPoint(AcName Name, string Path, bool ReadOnly);

/// <summary>appc <c>ports[]</c>.</summary>
public sealed record Port(AcName Name, string Protocol, int PortNumber, int Count, bool SocketActivated);

/// <summary>
/// The appc <c>app</c> object: how to run the image. Immutable; use <c>with</c> to override fields
/// (the pod manifest carries the final app).
/// </summary>
public sealed record App
{
    /// <summary>
    /// argv. exec[0] may be absolute, relative (joined with the working directory) or a bare name searched in
    /// PATH: appc 0.8.0 dropped the absolute-path rule (spec changelog) and actool 0.8.11 and rkt accept all three.
    /// It must not be empty.
    /// </summary>
    public IReadOnlyList<string> Exec { get; init; } = [];
    /// <summary>User name, numeric uid or <c>/path</c> (owner of that path). Required.</summary>
    public string User { get; init; } = "0";
    /// <summary>Group name, numeric gid or <c>/path</c>. Required.</summary>
    public string Group { get; init; } = "0";
    public IReadOnlyList<int> SupplementaryGids { get; init; } = [];
    /// <summary>Absolute path, or empty for <c>/</c>.</summary>
    public string WorkingDirectory { get; init; } = "";
    public IReadOnlyList<EnvironmentVariable> Environment { get; init; } = [];
    public IReadOnlyList<EventHandler> EventHandlers { get; init; } = [];
    public IReadOnlyList<MountPoint> MountPoints { get; init; } = [];
    public IReadOnlyList<Port> Ports { get; init; } = [];
    public IReadOnlyList<Isolator> Isolators { get; init; } = [];
    public IReadOnlyDictionary<string, string> UserAnnotations { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> UserLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Checks every rule of appc's app object; throws <see cref="ManifestException"/> naming the field.</summary>
    public App Validate(string path = "app")
    {
        if (Exec.Count > 0 && Exec[0].Length == 0) throw new ManifestException($"{path}.exec[0]", "must not be empty");
        for (int i = 0; i < Exec.Count; i++) Rules.NoNul(Exec[i], $"{path}.exec[{i}]");
        if (string.IsNullOrEmpty(User)) throw new ManifestException($"{path}.user", "is required");
        Rules.NoNul(User, $"{path}.user");
        if (string.IsNullOrEmpty(Group)) throw new ManifestException($"{path}.group", "is required");
        Rules.NoNul(Group, $"{path}.group");
        for (int i = 0; i < SupplementaryGids.Count; i++)
            if (SupplementaryGids[i] < 0) throw new ManifestException($"{path}.supplementaryGIDs[{i}]", "must be a non-negative integer");
        if (WorkingDirectory.Length > 0) Rules.AbsolutePath(WorkingDirectory, $"{path}.workingDirectory");
        var env = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Environment.Count; i++)
        {
            string n = Environment[i].Name;
            if (n.Length == 0 || n.Contains('=') || n.Contains('\0')) throw new ManifestException($"{path}.environment[{i}].name", $"\"{n}\" is not a valid variable name (non-empty, no '=')");
            if (!env.Add(n)) throw new ManifestException($"{path}.environment[{i}].name", $"duplicate variable \"{n}\"");
            Rules.NoNul(Environment[i].Value, $"{path}.environment[{i}].value");
        }
        var handlers = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < EventHandlers.Count; i++)
        {
            EventHandler h = EventHandlers[i];
            if (h.Name is not ("pre-start" or "post-stop")) throw new ManifestException($"{path}.eventHandlers[{i}].name", $"\"{h.Name}\" is not an event (pre-start, post-stop)");
            if (!handlers.Add(h.Name)) throw new ManifestException($"{path}.eventHandlers[{i}].name", $"only one \"{h.Name}\" handler is allowed");
            if (h.Exec.Count == 0) throw new ManifestException($"{path}.eventHandlers[{i}].exec", "must not be empty");
            for (int j = 0; j < h.Exec.Count; j++) Rules.NoNul(h.Exec[j], $"{path}.eventHandlers[{i}].exec[{j}]");
        }
        var mps = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < MountPoints.Count; i++)
        {
            Rules.AbsolutePath(MountPoints[i].Path, $"{path}.mountPoints[{i}].path");
            if (!mps.Add(MountPoints[i].Name.Value)) throw new ManifestException($"{path}.mountPoints[{i}].name", $"duplicate mount point \"{MountPoints[i].Name}\"");
        }
        var ports = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Ports.Count; i++)
        {
            Port p = Ports[i];
            if (p.Protocol.Length == 0) throw new ManifestException($"{path}.ports[{i}].protocol", "is required");
            if (p.PortNumber is < 1 or > 65535) throw new ManifestException($"{path}.ports[{i}].port", "must be from 1 to 65535");
            if (p.Count < 1 || p.PortNumber + p.Count - 1 > 65535) throw new ManifestException($"{path}.ports[{i}].count", "must be at least 1 and keep the range within 65535");
            if (!ports.Add(p.Name.Value)) throw new ManifestException($"{path}.ports[{i}].name", $"duplicate port \"{p.Name}\"");
        }
        ValidateIsolators(Isolators, $"{path}.isolators");
        return this;
    }

    internal static void ValidateIsolators(IReadOnlyList<Isolator> isolators, string path)
    {
        bool retain = false, remove = false, seccomp = false;
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < isolators.Count; i++)
        {
            string n = isolators[i].Name.Value;
            // Stricter than appc 0.8.11, whose validator accepts repeats and whose lookup takes the last one:
            // two limits of one kind are ambiguous, so each known isolator may appear once. Unknown ones are opaque.
            if (Isolator.KnownNames.Contains(n) && !known.Add(n)) throw new ManifestException($"{path}[{i}]", $"only one \"{n}\" isolator is allowed");
            if (n == "os/linux/capabilities-retain-set") retain = true;
            if (n == "os/linux/capabilities-remove-set") remove = true;
            if (retain && remove) throw new ManifestException($"{path}[{i}]", "capabilities retain and remove sets cannot be combined");
            if (n.StartsWith("os/linux/seccomp-", StringComparison.Ordinal))
            {
                if (seccomp) throw new ManifestException($"{path}[{i}]", "only one seccomp isolator is allowed");
                seccomp = true;
            }
        }
    }

    internal static App Read(JsonObj o)
    {
        var exec = o.Strings("exec");
        var app = new App
        {
            Exec = exec,
            User = o.Str("user") ?? "",
            Group = o.Str("group") ?? "",
            SupplementaryGids = o.Array("supplementaryGIDs").Select(x =>
                x.Element.ValueKind == JsonValueKind.Number && x.Element.TryGetInt32(out int g) && g >= 0 ? g : throw new ManifestException(x.Path, "must be a non-negative integer")).ToList(),
            WorkingDirectory = o.Str("workingDirectory") ?? "",
            Environment = o.Objects("environment").Select(x => new EnvironmentVariable(x.Obj.Str("name", true)!, x.Obj.Str("value") ?? "")).ToList(),
            EventHandlers = o.Objects("eventHandlers").Select(x => new EventHandler(x.Obj.Str("name", true)!, x.Obj.Strings("exec"))).ToList(),
            MountPoints = o.Objects("mountPoints").Select(x => new MountPoint(AcName.Parse(x.Obj.Str("name", true), x.Path + ".name"),
                x.Obj.Str("path", true)!, x.Obj.Bool("readOnly") ?? false)).ToList(),
            Ports = o.Objects("ports").Select(x => new Port(AcName.Parse(x.Obj.Str("name", true), x.Path + ".name"),
                x.Obj.Str("protocol", true)!, (int)(x.Obj.Int("port", 1, 65535) ?? throw new ManifestException(x.Path + ".port", "is required")),
                (int)(x.Obj.Int("count", 0, 65535) ?? 1), x.Obj.Bool("socketActivated") ?? false)).ToList(),
            Isolators = ReadIsolators(o),
            UserAnnotations = o.StringMap("userAnnotations"),
            UserLabels = o.StringMap("userLabels"),
        };
        return app.Validate(o.Path);
    }

    internal static List<Isolator> ReadIsolators(JsonObj o) =>
        o.Objects("isolators").Select(x =>
        {
            AcIdentifier name = AcIdentifier.Parse(x.Obj.Str("name", true), x.Path + ".name");
            if (!x.Obj.Element.TryGetProperty("value", out JsonElement v)) throw new ManifestException(x.Path + ".value", "is required");
            return Isolator.Create(name, v, x.Path);
        }).ToList();

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        JsonOut.Strings(w, "exec", Exec);
        w.WriteString("user", User);
        w.WriteString("group", Group);
        if (SupplementaryGids.Count > 0)
        {
            w.WriteStartArray("supplementaryGIDs");
            foreach (int g in SupplementaryGids) w.WriteNumberValue(g);
            w.WriteEndArray();
        }
        if (WorkingDirectory.Length > 0) w.WriteString("workingDirectory", WorkingDirectory);
        if (EventHandlers.Count > 0)
        {
            w.WriteStartArray("eventHandlers");
            foreach (EventHandler h in EventHandlers)
            {
                w.WriteStartObject();
                w.WriteString("name", h.Name);
                JsonOut.Strings(w, "exec", h.Exec);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (Environment.Count > 0)
        {
            w.WriteStartArray("environment");
            foreach (EnvironmentVariable e in Environment)
            {
                w.WriteStartObject();
                w.WriteString("name", e.Name);
                w.WriteString("value", e.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (MountPoints.Count > 0)
        {
            w.WriteStartArray("mountPoints");
            foreach (MountPoint m in MountPoints)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name.Value);
                w.WriteString("path", m.Path);
                if (m.ReadOnly) w.WriteBoolean("readOnly", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (Ports.Count > 0)
        {
            w.WriteStartArray("ports");
            foreach (Port p in Ports)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name.Value);
                w.WriteString("protocol", p.Protocol);
                w.WriteNumber("port", p.PortNumber);
                if (p.Count != 1) w.WriteNumber("count", p.Count);
                if (p.SocketActivated) w.WriteBoolean("socketActivated", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        JsonOut.Isolators(w, Isolators);
        JsonOut.StringMap(w, "userAnnotations", UserAnnotations);
        JsonOut.StringMap(w, "userLabels", UserLabels);
        w.WriteEndObject();
    }

    /// <summary>Value equality over every field (records compare lists by reference, so this compares the JSON form).</summary>
    public bool SameAs(App? other) => other is not null && JsonOut.Write(Write, false).AsSpan().SequenceEqual(JsonOut.Write(other.Write, false));
}

/// <summary>Checks shared by the manifest validators.</summary>
internal static class Rules
{
    /// <summary>Absolute and free of NUL (which no path or argv entry can carry through the kernel).</summary>
    public static void AbsolutePath(string value, string field)
    {
        if (!value.StartsWith('/')) throw new ManifestException(field, "must be an absolute path");
        NoNul(value, field);
    }

    /// <summary>JSON can encode U+0000 (<c>\u0000</c>); argv, environment and paths cannot hold it.</summary>
    public static void NoNul(string value, string field)
    {
        if (value.Contains('\0')) throw new ManifestException(field, "must not contain NUL");
    }
}
