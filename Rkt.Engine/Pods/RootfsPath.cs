// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Pods;

/// <summary>Path resolution confined to a root directory: symlinks are followed as the container would see them.</summary>
public static class RootfsPath
{
    /// <summary>
    /// Resolves <paramref name="path"/> (absolute inside the container) to a host path under <paramref name="root"/>,
    /// following symlinks with the container's root (absolute targets and <c>..</c> never leave it). Null when a
    /// component is missing or too many links.
    /// </summary>
    public static string? Resolve(string root, string path)
    {
        var parts = new List<string>();
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        int hops = 0;
        while (pending.Count > 0)
        {
            string c = pending.Pop();
            if (c == ".") continue;
            if (c == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            string host = Path.Combine(root, string.Join('/', parts.Append(c)));
            FileSystemInfo fi = new FileInfo(host);
            if (!fi.Exists && !Directory.Exists(host) && fi.LinkTarget is null) return null;
            if (fi.LinkTarget is { } target)
            {
                if (++hops > 40) return null;
                if (target.StartsWith('/')) parts.Clear();
                foreach (string t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(t);
                continue;
            }
            parts.Add(c);
        }
        return Path.Combine(root, string.Join('/', parts));
    }

    /// <summary>Looks a user or group name up in the image's <c>/etc/passwd</c> or <c>/etc/group</c>; null when absent.</summary>
    public static int? LookupId(string root, string file, string name)
    {
        string? p = Resolve(root, "/etc/" + file);
        if (p is null || !File.Exists(p)) return null;
        foreach (string line in File.ReadLines(p))
        {
            string[] f = line.Split(':');
            if (f.Length > 2 && f[0] == name && int.TryParse(f[2], out int id)) return id;
        }
        return null;
    }
}
