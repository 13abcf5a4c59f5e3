// SPDX-License-Identifier: MIT
using System.Text;

namespace Rkt.Engine.Pods;

/// <summary>Reads <c>/proc/self/mountinfo</c> (this process's mount namespace, which is the host's for pwsh).</summary>
public static class MountTable
{
    /// <summary>Mount points, in mountinfo order (parents before children).</summary>
    public static IReadOnlyList<string> MountPoints(string mountinfo = "/proc/self/mountinfo")
    {
        var list = new List<string>();
        foreach (string line in File.ReadLines(mountinfo))
        {
            string[] f = line.Split(' ');
            if (f.Length > 4) list.Add(Unescape(f[4]));
        }
        return list;
    }

    /// <summary>Mount points at or below <paramref name="dir"/>, deepest first (the order to unmount them).</summary>
    public static IReadOnlyList<string> Under(string dir)
    {
        string d = dir.TrimEnd('/');
        return MountPoints().Where(m => m == d || m.StartsWith(d + "/", StringComparison.Ordinal))
            .Select((m, i) => (m, i)).OrderByDescending(x => x.i).Select(x => x.m).ToList();
    }

    /// <summary>True when <paramref name="path"/> is a mount point.</summary>
    public static bool IsMountPoint(string path) => MountPoints().Contains(path.TrimEnd('/'));

    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && char.IsDigit(s[i + 1]))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
