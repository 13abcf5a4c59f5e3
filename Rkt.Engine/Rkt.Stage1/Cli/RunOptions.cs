// SPDX-License-Identifier: MIT
namespace Rkt.Stage1.Cli;

/// <summary>
/// Arguments of the <c>run</c> entrypoint: <c>[--debug] [--net=LIST] [--interactive] [--hostname=H] [--attach] UUID</c>.
/// Unknown <c>--flag[=value]</c> options are ignored with a warning, as rkt does for flags of newer interfaces.
/// </summary>
internal sealed class RunOptions
{
    public bool Debug { get; private set; }

    /// <summary>Keep stdio as inherited (the app owns the terminal). Implied by <c>--interactive</c>.</summary>
    public bool Attach { get; private set; }

    public bool Interactive { get; private set; }

    /// <summary>The <c>--net</c> list; fly always uses the host network and only reports it.</summary>
    public string? Net { get; private set; }

    /// <summary>The <c>--hostname</c> value; fly has no UTS namespace and only reports it.</summary>
    public string? Hostname { get; private set; }

    public string Uuid { get; private set; } = "";

    /// <summary>The arguments as given, forwarded unchanged to the app-init child.</summary>
    public IReadOnlyList<string> Raw { get; private set; } = [];

    /// <summary>Flags that were ignored (already warned about).</summary>
    public List<string> Ignored { get; } = [];

    public static RunOptions Parse(IReadOnlyList<string> args, bool warn)
    {
        var o = new RunOptions { Raw = args };
        var positional = new List<string>();
        foreach (string a in args)
        {
            if (!a.StartsWith("--", StringComparison.Ordinal) || a == "--")
            {
                if (a != "--") positional.Add(a);
                continue;
            }
            int eq = a.IndexOf('=');
            string name = eq < 0 ? a[2..] : a[2..eq];
            string? value = eq < 0 ? null : a[(eq + 1)..];
            switch (name)
            {
                case "debug": o.Debug = Flags.Bool(a, value); break;
                case "attach": o.Attach = Flags.Bool(a, value); break;
                case "interactive": o.Interactive = Flags.Bool(a, value); break;
                case "net": o.Net = value ?? throw new Stage1Error("argument " + a, "--net needs a value (--net=LIST)"); break;
                case "hostname": o.Hostname = value ?? throw new Stage1Error("argument " + a, "--hostname needs a value (--hostname=NAME)"); break;
                default:
                    o.Ignored.Add(a);
                    if (warn) Log.Warn($"ignoring unsupported flag {a}");
                    break;
            }
        }
        if (o.Interactive) o.Attach = true;
        if (positional.Count != 1)
            throw new Stage1Error("arguments", positional.Count == 0 ? "missing pod UUID" : $"expected one pod UUID, got {string.Join(' ', positional)}");
        o.Uuid = positional[0];
        return o;
    }
}

/// <summary>Small helpers shared by the entrypoint parsers.</summary>
internal static class Flags
{
    public static bool Bool(string arg, string? value) => value switch
    {
        null or "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new Stage1Error("argument " + arg, "expected true or false"),
    };

    public static int Int(string arg, string? value)
    {
        if (value is null || !int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
            throw new Stage1Error("argument " + arg, "expected a decimal number");
        return n;
    }
}
