// SPDX-License-Identifier: MIT
using System.Text;
using Rkt.Engine.Errors;

namespace Rkt.Engine.Tests.Images;

/// <summary>Untrusted input gets a stable error id and leaves the store exactly as it was.</summary>
public sealed class ImageBadInputTests : IDisposable
{
    private readonly TempStore _s = new();

    public ImageBadInputTests() => _s.Import(TestAci.Simple("example.com/already-there"), "good.aci");

    public void Dispose() => _s.Dispose();

    private static readonly byte[] Hello = Encoding.UTF8.GetBytes("hi");

    public static TheoryData<string, string> Cases() => new()
    {
        { "text", "UnknownArchiveFormat" },
        { "empty", "UnknownArchiveFormat" },
        { "truncated-gzip", "InvalidArchive" },
        { "gzip-trailer-cut", "InvalidArchive" },
        { "gzip-cut-into-end-blocks", "InvalidArchive" },
        { "gzip-corrupt-crc", "InvalidArchive" },
        { "gzip-of-text", "InvalidArchive" },
        { "truncated-tar", "InvalidArchive" },
        { "truncated-xz", "InvalidArchive" },
        { "truncated-bzip2", "InvalidArchive" },
        { "truncated-zstd", "InvalidArchive" },
        { "no-manifest", "ManifestMissing" },
        { "manifest-not-json", "InvalidManifest" },
        { "bad-image-name", "InvalidManifest" },
        { "bad-acname-mountpoint", "InvalidManifest" },
        { "bad-label-os", "InvalidManifest" },
        { "label-named-name", "InvalidManifest" },
        { "duplicate-label", "InvalidManifest" },
        { "wrong-ackind", "InvalidManifest" },
        { "dotdot-entry", "UnsafeTarEntry" },
        { "absolute-entry", "UnsafeTarEntry" },
        { "hardlink-out", "UnsafeTarEntry" },
        { "entry-outside-layout", "InvalidArchive" },
    };

    private byte[] Build(string kind)
    {
        string good = TestAci.Manifest("example.com/bad", "1");
        byte[] validTar = TestAci.Tar(good, [("rootfs/big", System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000))]);
        return kind switch
        {
            "text" => Encoding.UTF8.GetBytes("this is not an image, just some text that is long enough to sniff\n" + new string('x', 600)),
            "empty" => [],
            "truncated-gzip" => TestAci.Gzip(validTar)[..^5000],
            "gzip-trailer-cut" => TestAci.Gzip(validTar)[..^4],
            // a few bytes short: only the tar's zero end blocks are lost, which a tar reader alone accepts
            "gzip-cut-into-end-blocks" => TestAci.Gzip(validTar)[..^12],
            "gzip-corrupt-crc" => FlipByte(TestAci.Gzip(validTar), 8),
            "gzip-of-text" => TestAci.Gzip(Encoding.UTF8.GetBytes(new string('y', 4000))),
            "truncated-tar" => validTar[..(validTar.Length / 2)],
            "truncated-xz" => TestAci.CompressWithTool("xz", validTar, _s.Work)[..^3000],
            "truncated-bzip2" => TestAci.CompressWithTool("bzip2", validTar, _s.Work)[..^3000],
            "truncated-zstd" => TestAci.CompressWithTool("zstd", validTar, _s.Work)[..^3000],
            "no-manifest" => TestAci.Tar(null, [("rootfs/x", Hello)]),
            "manifest-not-json" => TestAci.Tar("{not json", [("rootfs/x", Hello)]),
            "bad-image-name" => TestAci.Tar(TestAci.Manifest("Example.com/App"), [("rootfs/x", Hello)]),
            "bad-acname-mountpoint" => TestAci.Tar(TestAci.Manifest("example.com/mp", extraAppJson:
                """{"exec":["/bin/sh"],"user":"0","group":"0","mountPoints":[{"name":"Bad_Name","path":"/data"}]}"""), [("rootfs/x", Hello)]),
            "bad-label-os" => TestAci.Tar(TestAci.Manifest("example.com/os", labels: new Dictionary<string, string> { ["os"] = "plan9" }), [("rootfs/x", Hello)]),
            "label-named-name" => TestAci.Tar(TestAci.Manifest("example.com/nn", labels: new Dictionary<string, string> { ["name"] = "x" }), [("rootfs/x", Hello)]),
            "duplicate-label" => TestAci.Tar(TestAci.Manifest("example.com/dup", "1", new Dictionary<string, string> { ["version"] = "2" }), [("rootfs/x", Hello)]),
            "wrong-ackind" => TestAci.Tar(TestAci.Manifest("example.com/kind", acKind: "PodManifest"), [("rootfs/x", Hello)]),
            "dotdot-entry" => TestAci.Tar(good, [("rootfs/../../etc/evil", Hello)]),
            "absolute-entry" => TestAci.Tar(good, [("/etc/evil", Hello)]),
            "hardlink-out" => HardLinkTar(good),
            "entry-outside-layout" => TestAci.Tar(good, [("etc/passwd", Hello)]),
            _ => throw new ArgumentException(kind),
        };
    }

    private static byte[] FlipByte(byte[] data, int fromEnd)
    {
        byte[] copy = (byte[])data.Clone();
        copy[^fromEnd] ^= 0x5a;
        return copy;
    }

    private static byte[] HardLinkTar(string manifest)
    {
        byte[] tar = TestAci.Tar(manifest);
        using var ms = new MemoryStream();
        using (var w = new System.Formats.Tar.TarWriter(ms, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            using (var r = new System.Formats.Tar.TarReader(new MemoryStream(tar)))
                for (var e = r.GetNextEntry(); e is not null; e = r.GetNextEntry()) w.WriteEntry(e);
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.HardLink, "rootfs/shadow") { LinkName = "/etc/shadow" });
        }
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_is_rejected_with_a_stable_id_and_changes_nothing(string kind, string errorId)
    {
        byte[] bytes = Build(kind);
        string path = _s.WriteFile(kind + ".aci", bytes);
        var before = _s.Snapshot();

        var e = Assert.Throws<RktException>(() => _s.Import(path));
        Assert.True(errorId == e.ErrorId, $"{kind}: expected {errorId}, got {e.ErrorId}: {e.Message}");
        Assert.True(e.Kind is RktErrorKind.InvalidInput or RktErrorKind.Corrupt, $"{kind}: kind {e.Kind}");
        Assert.Contains(path, e.Message);

        Assert.Empty(_s.TmpFiles());
        Assert.Equal(before, _s.Snapshot());
        Assert.Equal("example.com/already-there", Assert.Single(_s.Engine.Images.List()).Name);
    }

    [Fact]
    public void Not_an_archive_is_InvalidInput_kind()
    {
        var e = Assert.Throws<RktException>(() => _s.Import(Build("text"), "t.aci"));
        Assert.Equal(RktErrorKind.InvalidInput, e.Kind);
        Assert.Equal("UnknownArchiveFormat", e.ErrorId);
    }

    [Fact]
    public void Bad_input_into_a_fresh_store_leaves_no_file()
    {
        using var fresh = new TempStore();
        foreach (string kind in new[] { "text", "truncated-gzip", "no-manifest", "dotdot-entry" })
        {
            var e = Assert.Throws<RktException>(() => fresh.Import(Build(kind), kind + ".aci"));
            Assert.NotEqual("", e.ErrorId);
        }
        Assert.Empty(fresh.Snapshot());
        Assert.Empty(fresh.TmpFiles());
    }
}
