// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using Rkt.Formats.Appc;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>New-Stage1Aci.ps1: a valid, deterministic fly stage1 image around the published binary.</summary>
[Collection(Stage1Collection.Name)]
public sealed class Stage1AciTests(Stage1Binary binary)
{
    private static (int Code, string Out, string Err) Exec(string file, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> so = p.StandardOutput.ReadToEndAsync(), se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException(file + " timed out"); }
        return (p.ExitCode, so.Result, se.Result);
    }

    private string Build(string outDir)
    {
        string script = Path.Combine(binary.RepoRoot, "Rkt.Engine", "Rkt.Stage1", "New-Stage1Aci.ps1");
        var r = Exec("dotnet", binary.RepoRoot, "pwsh", "-NoProfile", "-NonInteractive", "-File", script,
            "-PublishDirectory", binary.PublishDirectory, "-OutputDirectory", outDir);
        Assert.True(r.Code == 0, $"New-Stage1Aci.ps1 failed: {r.Out}\n{r.Err}");
        string aci = Path.Combine(outDir, "stage1-fly.aci");
        Assert.True(File.Exists(aci));
        return aci;
    }

    [Fact]
    public void Image_has_the_binary_entrypoint_symlinks_and_a_manifest_the_engine_accepts()
    {
        string dir = Directory.CreateTempSubdirectory("rktps-aci-").FullName;
        try
        {
            string aci = Build(dir);
            var entries = new List<(string Name, TarEntryType Type, string Link, int Uid, int Gid, DateTimeOffset MTime)>();
            byte[]? manifest = null, bin = null;
            using (FileStream fs = File.OpenRead(aci))
            using (var tar = new TarReader(fs))
            {
                while (tar.GetNextEntry() is { } e)
                {
                    entries.Add((e.Name, e.EntryType, e.LinkName, e.Uid, e.Gid, e.ModificationTime));
                    if (e.DataStream is not null)
                    {
                        var ms = new MemoryStream();
                        e.DataStream.CopyTo(ms);
                        if (e.Name == "manifest") manifest = ms.ToArray();
                        if (e.Name == "rootfs/stage1/rktps-stage1") bin = ms.ToArray();
                    }
                }
            }
            Assert.Equal(entries.Select(e => e.Name).Order(StringComparer.Ordinal), entries.Select(e => e.Name));
            Assert.All(entries, e => { Assert.Equal(0, e.Uid); Assert.Equal(0, e.Gid); Assert.Equal(entries[0].MTime, e.MTime); });
            foreach (string link in new[] { "run", "enter", "gc", "stop" })
                Assert.Contains(entries, e => e.Name == "rootfs/stage1/" + link && e.Type == TarEntryType.SymbolicLink && e.Link == "rktps-stage1");
            Assert.Equal(File.ReadAllBytes(binary.Path), bin);

            ImageManifest m = ImageManifest.Parse(manifest!);
            Assert.Equal("rktps.io/stage1-fly", m.Name.Value);
            Assert.Equal("linux", m.Labels["os"]);
            Assert.Equal("amd64", m.Labels["arch"]);
            Assert.Equal(typeof(Stage1AciTests).Assembly.GetName().Version!.ToString(3), m.Labels["version"]);
            Assert.Equal("/stage1/run", m.Annotations["coreos.com/rkt/stage1/run"]);
            Assert.Equal("/stage1/enter", m.Annotations["coreos.com/rkt/stage1/enter"]);
            Assert.Equal("/stage1/gc", m.Annotations["coreos.com/rkt/stage1/gc"]);
            Assert.Equal("/stage1/stop", m.Annotations["coreos.com/rkt/stage1/stop"]);
            Assert.Equal("5", m.Annotations["coreos.com/rkt/stage1/interface-version"]);

            var validate = Exec("actool", dir, "validate", aci);
            Assert.True(validate.Code == 0, $"actool validate failed: {validate.Out}\n{validate.Err}");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Image_id_is_stable_for_a_given_binary()
    {
        string a = Directory.CreateTempSubdirectory("rktps-aci-").FullName, b = Directory.CreateTempSubdirectory("rktps-aci-").FullName;
        try
        {
            byte[] h1 = SHA512.HashData(File.ReadAllBytes(Build(a)));
            Thread.Sleep(1100); // a different wall-clock second must not change the archive
            byte[] h2 = SHA512.HashData(File.ReadAllBytes(Build(b)));
            Assert.Equal(Convert.ToHexString(h1), Convert.ToHexString(h2));
        }
        finally { Directory.Delete(a, true); Directory.Delete(b, true); }
    }
}
