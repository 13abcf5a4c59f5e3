// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Rkt.Engine.Tests.Images;

/// <summary>Builds ACI tars at test time (System.Formats.Tar) and compresses them with GZipStream or the real CLI tools.</summary>
internal static class TestAci
{
    /// <summary>An image manifest as JSON text.</summary>
    public static string Manifest(string name, string? version = null, IDictionary<string, string>? labels = null, string acKind = "ImageManifest",
        string? extraAppJson = null)
    {
        var all = new List<KeyValuePair<string, string>>();
        if (version is not null) all.Add(new("version", version));
        if (labels is not null) all.AddRange(labels);
        string labelJson = string.Join(",", all.Select(kv => $"{{\"name\":{JsonSerializer.Serialize(kv.Key)},\"value\":{JsonSerializer.Serialize(kv.Value)}}}"));
        string app = extraAppJson is null ? "" : $",\"app\":{extraAppJson}";
        return $"{{\"acKind\":{JsonSerializer.Serialize(acKind)},\"acVersion\":\"0.8.11\",\"name\":{JsonSerializer.Serialize(name)},\"labels\":[{labelJson}]{app}}}";
    }

    /// <summary>
    /// A tar with <c>manifest</c> (unless null), <c>rootfs/</c> and the given files (names relative to the tar root,
    /// written exactly as given, so tests can pass unsafe names).
    /// </summary>
    public static byte[] Tar(string? manifestJson, IEnumerable<(string Name, byte[] Content)>? files = null, bool rootfsDir = true)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            var mtime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
            if (manifestJson is not null)
            {
                var m = new PaxTarEntry(TarEntryType.RegularFile, "manifest") { ModificationTime = mtime, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
                m.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifestJson));
                w.WriteEntry(m);
            }
            if (rootfsDir)
                w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "rootfs/") { ModificationTime = mtime, Mode = (UnixFileMode)0b111_101_101 });
            foreach (var (name, content) in files ?? [])
            {
                var e = new PaxTarEntry(TarEntryType.RegularFile, name) { ModificationTime = mtime, Mode = (UnixFileMode)0b110_100_100 };
                e.DataStream = new MemoryStream(content);
                w.WriteEntry(e);
            }
        }
        return ms.ToArray();
    }

    /// <summary>A small valid image: manifest plus <c>rootfs/hello</c> with <paramref name="content"/>.</summary>
    public static byte[] Simple(string name, string? version = null, IDictionary<string, string>? labels = null, string content = "hello") =>
        Tar(Manifest(name, version, labels), [("rootfs/hello", Encoding.UTF8.GetBytes(content))]);

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>Compresses <paramref name="data"/> with a CLI tool (<c>bzip2</c>, <c>xz</c>, <c>zstd</c>) through temp files.</summary>
    public static byte[] CompressWithTool(string tool, byte[] data, string workDir)
    {
        string input = Path.Combine(workDir, "in-" + Guid.NewGuid().ToString("N"));
        string output = input + ".out";
        File.WriteAllBytes(input, data);
        try
        {
            string[] args = tool switch
            {
                "bzip2" => ["-c", "-9", input],
                "xz" => ["-c", "-T1", input],
                "zstd" => ["-q", "-c", input],
                "gzip" => ["-c", input],
                _ => throw new ArgumentException(tool),
            };
            RunToFile(tool, args, output);
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    /// <summary>Lowercase hex digest printed by the real <c>sha512sum</c>.</summary>
    public static string Sha512Sum(string file)
    {
        string line = Run("sha512sum", [file]).Trim();
        string hex = line.Split(' ', 2)[0];
        Assert.Matches("^[0-9a-f]{128}$", hex);
        return hex;
    }

    /// <summary>Runs a command, returns stdout; throws with stderr on non-zero exit.</summary>
    public static string Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}");
        return stdout;
    }

    private static void RunToFile(string file, IEnumerable<string> args, string output)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        using (var fs = File.Create(output)) p.StandardOutput.BaseStream.CopyTo(fs);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited {p.ExitCode}: {err.Result}");
    }
}

/// <summary>A throw-away data directory under /tmp (never /var/lib/rkt) and an engine over it.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Root = Path.Combine(Path.GetTempPath(), "rktps-itest-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        DataDir = Path.Combine(Root, "data");
        Directory.CreateDirectory(DataDir);
        Work = Path.Combine(Root, "work");
        Directory.CreateDirectory(Work);
        Engine = RktEngine.Open(new RktPaths(DataDir));
    }

    public string Root { get; }
    public string DataDir { get; }
    public string Work { get; }
    public RktEngine Engine { get; }
    public string Cas => Path.Combine(DataDir, "cas");
    public string CasTmp => Path.Combine(Cas, "tmp");

    /// <summary>Writes bytes to a file under the work directory and returns its path.</summary>
    public string WriteFile(string name, byte[] content)
    {
        string p = Path.Combine(Work, name);
        File.WriteAllBytes(p, content);
        return p;
    }

    public Rkt.Engine.Model.RktImage Import(string path) => Engine.Images.ImportFile(path, null, OperationContext.None);

    public Rkt.Engine.Model.RktImage Import(byte[] content, string name = "image.aci") => Import(WriteFile(name, content));

    /// <summary>Every file (not directory) under the data directory, relative path → SHA-256 of the content.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(DataDir)) return d;
        foreach (string f in Directory.EnumerateFiles(DataDir, "*", SearchOption.AllDirectories))
            d[Path.GetRelativePath(DataDir, f)] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)));
        return d;
    }

    public string[] TmpFiles() => Directory.Exists(CasTmp) ? Directory.GetFiles(CasTmp) : [];

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Mounts a tmpfs (or a read-only bind) for one test and always unmounts it.</summary>
internal sealed class TestMount : IDisposable
{
    private readonly string _target;
    private bool _mounted;

    private TestMount(string target) => _target = target;

    public static TestMount Tmpfs(string target, string options)
    {
        Directory.CreateDirectory(target);
        var m = new TestMount(target);
        TestAci.Run("mount", ["-t", "tmpfs", "-o", options, "rktps-test", target]);
        m._mounted = true;
        return m;
    }

    public static TestMount ReadOnlyBind(string source, string target)
    {
        Directory.CreateDirectory(target);
        var m = new TestMount(target);
        TestAci.Run("mount", ["--bind", source, target]);
        m._mounted = true;
        try { TestAci.Run("mount", ["-o", "remount,bind,ro", target]); }
        catch { m.Dispose(); throw; }
        return m;
    }

    public void Dispose()
    {
        if (!_mounted) return;
        _mounted = false;
        try { TestAci.Run("umount", [_target]); }
        catch (InvalidOperationException) { TestAci.Run("umount", ["-l", _target]); }
    }
}
