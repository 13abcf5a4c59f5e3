// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Stage1.Rootfs;

/// <summary>
/// The app's environment: its own <c>environment</c> entries, then the defaults for names still unset (PATH, SHELL,
/// USER, LOGNAME, HOME; the last three from the image's passwd entry for the app's uid, else root and /root), then
/// <c>AC_APP_NAME</c> and <c>container=rkt</c>, which the executor always sets. Nothing leaks in from the host.
/// </summary>
internal static class AppEnvironment
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static List<KeyValuePair<string, string>> Build(App app, string appName, Credentials creds)
    {
        var env = new List<KeyValuePair<string, string>>();
        void Set(string name, string value, bool overwrite)
        {
            int i = env.FindIndex(e => e.Key == name);
            if (i < 0) env.Add(new(name, value));
            else if (overwrite) env[i] = new(name, value);
        }
        foreach (EnvironmentVariable e in app.Environment)
        {
            if (e.Value.Contains('\n'))
                throw new Stage1Error("environment variable " + e.Name, "the value contains a newline, which the rkt/env file cannot hold");
            Set(e.Name, e.Value, overwrite: true);
        }
        Set("PATH", DefaultPath, false);
        Set("SHELL", "/bin/sh", false);
        Set("USER", creds.UserName ?? "root", false);
        Set("LOGNAME", creds.UserName ?? "root", false);
        Set("HOME", string.IsNullOrEmpty(creds.Home) ? "/root" : creds.Home, false);
        Set("AC_APP_NAME", appName, true);
        Set("container", "rkt", true);
        return env;
    }

    /// <summary>The <c>rkt/env/&lt;app&gt;</c> file text: one NAME=VALUE per line.</summary>
    public static string ToFileText(IEnumerable<KeyValuePair<string, string>> env) =>
        string.Concat(env.Select(e => e.Key + "=" + e.Value + "\n"));

    /// <summary>Reads <c>rkt/env/&lt;app&gt;</c> back (for <c>enter</c>).</summary>
    public static List<string> ParseFile(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l.IndexOf('=') > 0).ToList();
}
