// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using System.Text;
using Rkt.Formats.Aci;
using Rkt.Formats.Appc;
using Rkt.Formats.Tests.Support;

namespace Rkt.Formats.Tests.Aci;

/// <summary>Cross-checks against appc's reference tool (Debian's actool 0.8.11): ACIs it builds scan, and manifests we write it accepts.</summary>
public sealed class ActoolTests
{
    private static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "testdata", "appc-examples", name);

    /// <summary>Lays out manifest + rootfs (a file, a nested file, a symlink, an empty dir) and runs actool build.</summary>
    private static (byte[] Aci, string ManifestText) Build(TempDir dir, string manifest, bool compress)
    {
        string layout = Path.Combine(dir.Path, "layout");
        Directory.CreateDirectory(Path.Combine(layout, "rootfs", "usr", "bin"));
        Directory.CreateDirectory(Path.Combine(layout, "rootfs", "var", "empty"));
        File.WriteAllText(Path.Combine(layout, "manifest"), manifest);
        File.WriteAllText(Path.Combine(layout, "rootfs", "usr", "bin", "reduce-worker"), "#!/bin/sh\nexit 0\n");
        File.WriteAllBytes(Path.Combine(layout, "rootfs", "data.bin"), new byte[1234]);
        File.CreateSymbolicLink(Path.Combine(layout, "rootfs", "usr", "bin", "rw"), "reduce-worker");
        string output = Path.Combine(dir.Path, "out.aci");
        ExternalTool.Run("actool", compress ? ["build", "--overwrite", layout, output] : ["build", "--overwrite", "--no-compression", layout, output]);
        return (File.ReadAllBytes(output), manifest);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Actool_built_aci_scans_and_parses(bool compress)
    {
        using var dir = new TempDir();
        (byte[] aci, string manifest) = Build(dir, File.ReadAllText(Example("image.json")), compress);

        using Stream tar = AciFormat.OpenDecompressed(new NonSeekableStream(new MemoryStream(aci)), out AciCompression c);
        Assert.Equal(compress ? AciCompression.Gzip : AciCompression.None, c);
        AciScan scan = AciReader.Scan(tar, TestContext.Current.CancellationToken);

        // actool re-marshals the manifest, so compare meaning, not bytes
        Assert.NotEqual(manifest, Encoding.UTF8.GetString(scan.ManifestJson));
        Assert.Equal(scan.Manifest.ToJson(), ImageManifest.Parse(scan.ManifestJson).ToJson());
        Assert.Equal("example.com/reduce-worker", scan.Manifest.Name.Value);
        Assert.Equal(ImageManifest.Parse(File.ReadAllBytes(Example("image.json"))).ToJson(), scan.Manifest.ToJson());
        // rootfs, usr, usr/bin, reduce-worker, rw, var, var/empty, data.bin + manifest
        Assert.Equal(9, scan.EntryCount);
        Assert.Equal("#!/bin/sh\nexit 0\n".Length + 1234, scan.ContentBytes);
    }

    [Fact]
    public void Actool_output_lists_the_entries_we_expect()
    {
        using var dir = new TempDir();
        (byte[] aci, _) = Build(dir, File.ReadAllText(Example("image.json")), compress: false);
        using var r = new TarReader(new MemoryStream(aci));
        var names = new List<string>();
        while (r.GetNextEntry() is { } e) names.Add(AciReader.CleanName(e.Name)!);
        Assert.Contains("manifest", names);
        Assert.Contains("rootfs", names);
        Assert.Contains("rootfs/usr/bin/rw", names);
    }

    public static TheoryData<string> OurOutputs() => new()
    {
        "image.json", "pod_runtime.json", "pod_template.json", "ValidImage", "ValidPod",
    };

    [Theory]
    [MemberData(nameof(OurOutputs))]
    public void Actool_validates_the_manifests_we_write(string which)
    {
        byte[] json = which switch
        {
            "ValidImage" => ImageManifest.Parse(Manifests.ValidImage).ToJson(indented: true),
            "ValidPod" => PodManifest.Parse(Manifests.ValidPod).ToJson(indented: true),
            "image.json" => ImageManifest.Parse(File.ReadAllBytes(Example(which))).ToJson(),
            _ => PodManifest.Parse(File.ReadAllBytes(Example(which))).ToJson(),
        };
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "manifest.json");
        File.WriteAllBytes(path, json);
        ExternalTool.Run("actool", "validate", "--type=manifest", path);
    }

    /// <summary>Cases where appc's reference validation and ours must agree (we are deliberately stricter in others).</summary>
    public static TheoryData<string, bool> Agreement() => new()
    {
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a"}""", true },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["sh"],"user":"0","group":"0"}}""", true },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"resource/memory","value":{"limit":"1k"}}]}}""", true },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"A"}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","labels":[{"name":"os","value":"plan9"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"x86_64"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","labels":[{"name":"a","value":"1"},{"name":"a","value":"2"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","labels":[{"name":"name","value":"1"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","annotations":[{"name":"a","value":"1"},{"name":"a","value":"2"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"group":"0"}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","workingDirectory":"rel"}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","environment":[{"name":"A","value":"1"},{"name":"A","value":"2"}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","eventHandlers":[{"name":"post-start","exec":["/a"]}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","ports":[{"name":"p","protocol":"tcp","port":0}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"resource/memory","value":{"limit":"1g"}}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"os/linux/oom-score-adj","value":1001}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"os/linux/cpu-shares","value":1}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"os/linux/seccomp-retain-set","value":{"set":["read"],"errno":"eperm"}}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"os/linux/capabilities-retain-set","value":{"set":[]}}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","app":{"exec":["/x"],"user":"0","group":"0","isolators":[{"name":"os/linux/seccomp-retain-set","value":{"set":["read"]}},{"name":"os/linux/seccomp-remove-set","value":{"set":["reboot"]}}]}}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","dependencies":[{"imageName":"b","imageID":"sha256-abc"}]}""", false },
        { """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"a","dependencies":[{"imageName":"b","imageID":"sha512-"}]}""", false },
        { """{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"a","image":{"id":"sha512-1"}},{"name":"a","image":{"id":"sha512-2"}}]}""", false },
    };

    [Theory]
    [MemberData(nameof(Agreement))]
    public void Our_validation_agrees_with_actool(string json, bool valid)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "m.json");
        File.WriteAllText(path, json);
        bool actoolValid = ExternalTool.ExitCode("actool", "validate", "--type=manifest", path) == 0;
        Assert.Equal(valid, actoolValid); // the table itself is right about the reference tool
        Exception? ours = Record.Exception(() =>
        {
            if (json.Contains("\"PodManifest\"", StringComparison.Ordinal)) PodManifest.Parse(json);
            else ImageManifest.Parse(json);
        });
        if (valid) Assert.Null(ours);
        else Assert.IsType<ManifestException>(ours);
    }
}
