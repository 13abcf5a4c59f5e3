// SPDX-License-Identifier: MIT
using System.Diagnostics;

namespace Rkt.Formats.Tests.Support;

/// <summary>Runs the Debian tools the tests rely on (bzip2, xz, zstd, actool). A missing tool fails the test.</summary>
internal static class ExternalTool
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; fails the test on a non-zero exit.</summary>
    public static void Run(string file, params string[] args)
    {
        (int code, string output) = Exec(file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}: {output}");
    }

    /// <summary>Runs and returns the exit code (the tool must exist).</summary>
    public static int ExitCode(string file, params string[] args) => Exec(file, args).Code;

    private static (int Code, string Output) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        p.WaitForExit();
        return (p.ExitCode, stderr.GetAwaiter().GetResult() + stdout.GetAwaiter().GetResult());
    }

    /// <summary>Compresses <paramref name="data"/> with <c>tool -c</c> on a temp file and returns the output bytes.</summary>
    public static byte[] Compress(string tool, byte[] data)
    {
        using var dir = new TempDir();
        string input = Path.Combine(dir.Path, "in.tar");
        File.WriteAllBytes(input, data);
        // -k keeps the input, -f overwrites; each tool writes <input>.<ext>.
        string ext = tool switch { "bzip2" => ".bz2", "xz" => ".xz", "zstd" => ".zst", _ => throw new ArgumentException(tool) };
        Run(tool, tool == "zstd" ? ["-q", "-k", "-f", input] : ["-k", "-f", input]);
        return File.ReadAllBytes(input + ext);
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("rkt-formats-tests-").FullName;
    public string Path { get; }
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
