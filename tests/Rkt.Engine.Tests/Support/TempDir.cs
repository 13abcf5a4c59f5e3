// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Tests.Support;

/// <summary>A fresh directory for one test, removed afterwards (mounts below it are detached first).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? parent = null)
    {
        string root = parent ?? Path.GetTempPath();
        PathName = Path.Combine(root, "rkt-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(PathName);
    }

    /// <summary>The directory.</summary>
    public string PathName { get; }

    /// <summary>A path inside the directory.</summary>
    public string Sub(params string[] parts) => Path.Combine([PathName, .. parts]);

    public void Dispose()
    {
        foreach (string mountPoint in MountInfo.MountPointsUnder(PathName).OrderByDescending(p => p.Length))
        {
            try { Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.Unmount(mountPoint, Rkt.Engine.Native.UnmountFlags.Detach); }
            catch (Rkt.Engine.Native.NativeCallException) { }
        }
        try { Directory.Delete(PathName, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Reads /proc/self/mountinfo.</summary>
public static class MountInfo
{
    /// <summary>(mount point, filesystem type, source) of every mount, decoding the octal escapes.</summary>
    public static IReadOnlyList<(string MountPoint, string FsType, string Source)> Read()
    {
        var result = new List<(string, string, string)>();
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash < 0 || f.Length < dash + 3) continue;
            result.Add((Unescape(f[4]), f[dash + 1], Unescape(f[dash + 2])));
        }
        return result;
    }

    /// <summary>Mount points equal to or below <paramref name="dir"/>.</summary>
    public static IEnumerable<string> MountPointsUnder(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd('/');
        return Read().Select(m => m.MountPoint).Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal)).Distinct().ToList();
    }

    private static string Unescape(string s)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Skip(at).Take(3).All(c => c is >= '0' and <= '7');
}

/// <summary>Conditions for privileged tests (tagged <c>Category=Privileged</c>).</summary>
public static class Privileged
{
    public static bool IsRoot => Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.EffectiveUserId == 0;

    /// <summary>Skips the current test unless running as root (CI runs as root, so it never skips there).</summary>
    public static void RequireRoot() => Assert.SkipUnless(IsRoot, "requires root");
}
