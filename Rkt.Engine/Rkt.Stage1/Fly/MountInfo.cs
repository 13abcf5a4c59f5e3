// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;

namespace Rkt.Stage1.Fly;

/// <summary>One line of /proc/self/mountinfo (proc(5)): mount point and per-mount options.</summary>
internal sealed record MountInfoEntry(int Id, int ParentId, string MountPoint, string Options, string FsType, string Source);

/// <summary>Reads /proc/self/mountinfo of the calling process's mount namespace.</summary>
internal static class MountInfo
{
    public static List<MountInfoEntry> Read(string path = "/proc/self/mountinfo")
    {
        var list = new List<MountInfoEntry>();
        foreach (string line in File.ReadAllLines(path))
        {
            string[] f = line.Split(' ');
            int sep = Array.IndexOf(f, "-");
            if (f.Length < 7 || sep < 6 || sep + 2 >= f.Length) continue;
            list.Add(new MountInfoEntry(int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), Unescape(f[4]), f[5], f[sep + 1], Unescape(f[sep + 2])));
        }
        return list;
    }

    /// <summary>Mounts at <paramref name="target"/> or below it, outermost first (file order).</summary>
    public static List<MountInfoEntry> Under(IEnumerable<MountInfoEntry> all, string target)
    {
        string t = target.TrimEnd('/');
        return all.Where(e => e.MountPoint == t || e.MountPoint.StartsWith(t + "/", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The per-mount flags (nosuid, nodev, noexec, atime) of an options field, as MS_* bits.</summary>
    public static MountFlags PerMountFlags(string options)
    {
        MountFlags flags = MountFlags.None;
        foreach (string o in options.Split(','))
        {
            flags |= o switch
            {
                "nosuid" => MountFlags.NoSuid,
                "nodev" => MountFlags.NoDev,
                "noexec" => MountFlags.NoExec,
                "noatime" => MountFlags.NoAtime,
                "nodiratime" => MountFlags.NoDirAtime,
                "relatime" => MountFlags.RelAtime,
                "strictatime" => MountFlags.StrictAtime,
                _ => MountFlags.None,
            };
        }
        return flags;
    }

    /// <summary>Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOct(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOct(string s, int i) =>
        i + 2 < s.Length && s[i] is >= '0' and <= '7' && s[i + 1] is >= '0' and <= '7' && s[i + 2] is >= '0' and <= '7';
}
