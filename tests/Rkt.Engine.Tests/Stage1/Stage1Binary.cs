// SPDX-License-Identifier: MIT
using System.Diagnostics;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>
/// Finds the published NativeAOT stage1 binary once per test run: <c>$RKTPS_STAGE1_DIR</c>, else
/// <c>&lt;repo&gt;/out/RktPS/stage1/</c>, else a one-time <c>dotnet publish</c> into a temp directory.
/// </summary>
public sealed class Stage1Binary : IDisposable
{
    private readonly string? _tempDir;

    public Stage1Binary()
    {
        RepoRoot = FindRepoRoot();
        string? dir = Environment.GetEnvironmentVariable("RKTPS_STAGE1_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            string built = System.IO.Path.Combine(RepoRoot, "out", "RktPS", "stage1");
            if (File.Exists(System.IO.Path.Combine(built, "rktps-stage1"))) dir = built;
        }
        if (string.IsNullOrEmpty(dir))
        {
            _tempDir = Directory.CreateTempSubdirectory("rktps-stage1-publish-").FullName;
            dir = _tempDir;
            Publish(dir);
        }
        Path = System.IO.Path.Combine(dir, "rktps-stage1");
        if (!File.Exists(Path)) throw new InvalidOperationException($"stage1 binary not found at {Path}");
        PublishDirectory = dir;
    }

    /// <summary>Absolute path of <c>rktps-stage1</c>.</summary>
    public string Path { get; }

    public string PublishDirectory { get; }

    public string RepoRoot { get; }

    private void Publish(string outDir)
    {
        string project = System.IO.Path.Combine(RepoRoot, "Rkt.Engine", "Rkt.Stage1", "Rkt.Stage1.csproj");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        foreach (string a in new[] { "publish", project, "-c", "Release", "-o", outDir, "-nologo" }) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> so = p.StandardOutput.ReadToEndAsync(), se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8))) { p.Kill(true); throw new TimeoutException("dotnet publish of stage1 timed out"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"dotnet publish of stage1 failed ({p.ExitCode}):\n{so.Result}\n{se.Result}");
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "RktPS.slnx"))) return d.FullName;
        throw new InvalidOperationException("RktPS.slnx not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        if (_tempDir is not null) try { Directory.Delete(_tempDir, true); } catch (IOException) { }
    }
}

/// <summary>All stage1 process tests share one binary and run one after another (they spawn root processes and mounts).</summary>
[CollectionDefinition(Name)]
public sealed class Stage1Collection : ICollectionFixture<Stage1Binary>
{
    public const string Name = "stage1";
}
