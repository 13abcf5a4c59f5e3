// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Stage1.Rootfs;

/// <summary>The identity the app runs with, plus the passwd facts that feed USER/LOGNAME/HOME.</summary>
internal sealed record Credentials(uint Uid, uint Gid, IReadOnlyList<uint> Groups, string? UserName, string? Home);

/// <summary>
/// Resolves appc <c>user</c>/<c>group</c> in the app rootfs (rkt's order, §7.2): all digits ⇒ numeric id;
/// leading <c>/</c> ⇒ owner of that path inside the rootfs; otherwise a name looked up in the image's
/// <c>/etc/passwd</c> or <c>/etc/group</c>. Unknown names are errors naming the name and the file.
/// </summary>
internal static class CredentialResolver
{
    public static Credentials Resolve(string rootfs, string user, string group, IReadOnlyList<uint> supplementary)
    {
        List<PasswdEntry>? passwd = null;
        List<PasswdEntry> Passwd() => passwd ??= ReadTable(rootfs, "/etc/passwd", "user " + user);

        uint uid;
        if (IsNumeric(user)) uid = ParseId(user, "user");
        else if (user.StartsWith('/')) uid = Owner(rootfs, user, "user").Uid;
        else
        {
            PasswdEntry? e = Passwd().FirstOrDefault(p => p.Name == user);
            uid = e?.Id ?? throw new Stage1Error("user " + user, "not found in the image's /etc/passwd");
        }

        uint gid;
        if (IsNumeric(group)) gid = ParseId(group, "group");
        else if (group.StartsWith('/')) gid = Owner(rootfs, group, "group").Gid;
        else
        {
            List<PasswdEntry> groups = ReadTable(rootfs, "/etc/group", "group " + group);
            PasswdEntry? e = groups.FirstOrDefault(g => g.Name == group);
            gid = e?.Id ?? throw new Stage1Error("group " + group, "not found in the image's /etc/group");
        }

        // USER/LOGNAME/HOME come from the passwd entry of the resolved uid when the image has one.
        PasswdEntry? mine = null;
        string passwdPath = RootfsPath.Resolve(rootfs, "/etc/passwd");
        if (passwd is not null || File.Exists(passwdPath))
            mine = Passwd().FirstOrDefault(p => p.Id == uid);

        var all = new List<uint> { gid };
        foreach (uint g in supplementary) if (!all.Contains(g)) all.Add(g);
        return new Credentials(uid, gid, all, mine?.Name, mine?.Home);
    }

    private static bool IsNumeric(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static uint ParseId(string s, string what) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) ? id : throw new Stage1Error($"{what} {s}", "id out of range");

    private static (uint Uid, uint Gid) Owner(string rootfs, string path, string what)
    {
        string host = RootfsPath.Resolve(rootfs, path);
        try { return ProcessCalls.StatOwner(host); }
        catch (NativeCallException e) { throw new Stage1Error($"{what} {path}", $"cannot stat {path} in the app rootfs: {Engine.Native.Linux.LinuxSyscalls.StrError(e.Errno)}"); }
    }

    /// <summary>One line of passwd(5) or group(5): name and numeric id, plus the home directory for passwd.</summary>
    internal sealed record PasswdEntry(string Name, uint Id, string? Home);

    internal static List<PasswdEntry> ReadTable(string rootfs, string file, string what)
    {
        string host = RootfsPath.Resolve(rootfs, file);
        string text;
        try { text = File.ReadAllText(host); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Stage1Error(what, $"cannot read the image's {file}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}");
        }
        return ParseTable(text, file.EndsWith("passwd", StringComparison.Ordinal));
    }

    internal static List<PasswdEntry> ParseTable(string text, bool isPasswd)
    {
        var list = new List<PasswdEntry>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] f = line.Split(':');
            if (f.Length < 3 || f[0].Length == 0) continue;
            if (!uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint id)) continue;
            list.Add(new PasswdEntry(f[0], id, isPasswd && f.Length >= 6 ? f[5] : null));
        }
        return list;
    }
}
