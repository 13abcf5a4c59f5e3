// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Engine.Tests.Tree;

/// <summary>
/// A rendered tree as text, one line per path, read with lstat (nothing followed):
/// <c>dir 0755 0:0</c>, <c>file 0644 0:0 "content"</c>, <c>hardlink &lt;first name&gt;</c>, <c>symlink 0:0 -> target</c>,
/// <c>fifo 0620 0:0</c>, <c>chardev 1,3 0666 0:0</c>, <c>blockdev 7,0 0660 0:0</c>; with times, <c> @&lt;mtime s&gt;</c>.
/// </summary>
internal static class TreeSnapshot
{
    private static readonly ISyscalls Sys = LinuxSyscalls.Instance;

    public static SortedDictionary<string, string> Describe(string root, bool times = false)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var inodes = new Dictionary<(ulong, ulong), string>();
        foreach (string rel in AciLayout.Walk(root))
        {
            string full = Path.Combine(root, rel);
            FileStatus st = Sys.Lstat(full);
            string own = $"{st.UserId}:{st.GroupId}";
            string mode = AciLayout.Octal(st.Mode);
            string d;
            if (st.Kind == FileKind.RegularFile && inodes.TryGetValue((st.Device, st.Inode), out string? first))
            {
                result[rel] = $"hardlink {first}";
                continue;
            }
            if (st.Kind == FileKind.RegularFile) inodes[(st.Device, st.Inode)] = rel;
            d = st.Kind switch
            {
                FileKind.Directory => $"dir {mode} {own}",
                FileKind.RegularFile => $"file {mode} {own} \"{File.ReadAllText(full)}\"",
                FileKind.SymbolicLink => $"symlink {own} -> {new FileInfo(full).LinkTarget}",
                FileKind.Fifo => $"fifo {mode} {own}",
                FileKind.CharacterDevice => $"chardev {st.DeviceMajor},{st.DeviceMinor} {mode} {own}",
                FileKind.BlockDevice => $"blockdev {st.DeviceMajor},{st.DeviceMinor} {mode} {own}",
                _ => $"other {Convert.ToString(st.Mode, 8)}",
            };
            if (times) d += " @" + (st.ModificationTime / 1_000_000_000).ToString(CultureInfo.InvariantCulture);
            result[rel] = d;
        }
        return result;
    }

    /// <summary>Asserts the tree holds exactly <paramref name="expected"/>, reporting every difference at once.</summary>
    public static void AssertTree(IDictionary<string, string> expected, string root, bool times = false)
    {
        SortedDictionary<string, string> actual = Describe(root, times);
        var problems = new List<string>();
        foreach (var (path, want) in expected)
        {
            if (!actual.TryGetValue(path, out string? got)) problems.Add($"missing {path} (want {want})");
            else if (got != want) problems.Add($"{path}: want {want}, got {got}");
        }
        foreach (string path in actual.Keys.Except(expected.Keys)) problems.Add($"unexpected {path}: {actual[path]}");
        Assert.True(problems.Count == 0, "rendered tree differs:\n" + string.Join("\n", problems));
    }
}

/// <summary>An engine log that keeps what it is given.</summary>
internal sealed class RecordingLog : IRktLog
{
    public List<string> Warnings { get; } = [];
    public List<string> Verbose { get; } = [];
    void IRktLog.Verbose(string message) { lock (Verbose) Verbose.Add(message); }
    void IRktLog.Debug(string message) { }
    void IRktLog.Warning(string message) { lock (Warnings) Warnings.Add(message); }
}
