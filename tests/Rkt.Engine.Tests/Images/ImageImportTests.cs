// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Rkt.Engine.Store.Index;

namespace Rkt.Engine.Tests.Images;

/// <summary>Import end to end: every compression gives one ID, the ID is the real sha512sum, the blob is the tar.</summary>
public sealed class ImageImportTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    private static byte[] SampleTar() => TestAci.Tar(
        TestAci.Manifest("example.com/compress", "1.0", new Dictionary<string, string> { ["os"] = "linux", ["arch"] = "amd64" }),
        [("rootfs/etc/motd", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compress me please ", 5000)))),
         ("rootfs/bin/x", RandomNumberGenerator.GetBytes(70_000))]);

    [Fact]
    public void Every_compression_imports_to_the_same_id_which_is_the_sha512sum_of_the_tar()
    {
        byte[] tar = SampleTar();
        string tarPath = _s.WriteFile("plain.aci", tar);
        string expected = "sha512-" + TestAci.Sha512Sum(tarPath)[..64];

        var sources = new Dictionary<string, byte[]>
        {
            ["none"] = tar,
            ["gzip-dotnet"] = TestAci.Gzip(tar),
            ["gzip-cli"] = TestAci.CompressWithTool("gzip", tar, _s.Work),
            ["bzip2"] = TestAci.CompressWithTool("bzip2", tar, _s.Work),
            ["xz"] = TestAci.CompressWithTool("xz", tar, _s.Work),
            ["zstd"] = TestAci.CompressWithTool("zstd", tar, _s.Work),
        };
        // the compressed forms really differ from the tar and from each other
        Assert.Equal(sources.Count, sources.Values.Select(Convert.ToHexString).Distinct().Count());

        foreach (var (kind, bytes) in sources)
        {
            var img = _s.Import(bytes, $"img-{kind}.aci");
            Assert.True(expected == img.Id, $"{kind}: got {img.Id}, sha512sum says {expected}");
            Assert.Equal(tar.LongLength, img.BlobSize);
            Assert.Equal("example.com/compress", img.Name);
            Assert.Equal("1.0", img.Version);
        }
        Assert.Single(_s.Engine.Images.List());

        string blob = Path.Combine(_s.Cas, "blob", "sha512", expected[7..9], expected);
        Assert.True(File.Exists(blob), $"blob missing at {blob}");
        Assert.Equal(tar, File.ReadAllBytes(blob));
        string manifest = Path.Combine(_s.Cas, "imageManifest", "sha512", expected[7..9], expected);
        Assert.Equal("example.com/compress", Rkt.Formats.Appc.ImageManifest.Parse(File.ReadAllBytes(manifest)).Name.Value);
        Assert.Empty(_s.TmpFiles());
    }

    [Fact]
    public void Concatenated_gzip_members_import_as_the_whole_tar()
    {
        byte[] tar = SampleTar();
        var plain = _s.Import(tar, "whole.aci");
        var multi = _s.Import([.. TestAci.Gzip(tar[..10240]), .. TestAci.Gzip(tar[10240..])], "multi.aci.gz");
        Assert.Equal(plain.Id, multi.Id);
        Assert.Single(_s.Engine.Images.List());
    }

    [Fact]
    public void Reimport_is_idempotent_one_row_same_id_import_time_unchanged()
    {
        byte[] tar = TestAci.Simple("example.com/again", "1");
        var first = _s.Import(tar, "a.aci");
        Thread.Sleep(20); // so a rewritten ImportTime would differ at LiteDB's millisecond precision
        var second = _s.Import(TestAci.Gzip(tar), "a.aci.gz");

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.ImportTime, second.ImportTime);
        List<AciInfoRow> rows = _s.Engine.Images.Index.Run(t => t.Images.FindAll().ToList(), TestContext.Current.CancellationToken);
        var row = Assert.Single(rows);
        Assert.Equal(first.Id, row.BlobKey);
        Assert.Single(Directory.GetFiles(Path.Combine(_s.Cas, "blob"), "*", SearchOption.AllDirectories));
        Assert.Empty(_s.TmpFiles());
    }

    [Fact]
    public void Import_reports_progress_and_finishes()
    {
        var seen = new List<RktProgress>();
        var progress = new SyncProgress(seen);
        string path = _s.WriteFile("p.aci", TestAci.Gzip(SampleTar()));
        var img = _s.Engine.Images.ImportFile(path, null, new OperationContext(CancellationToken.None, progress));
        Assert.StartsWith("sha512-", img.Id);
        Assert.Contains(seen, p => p.Phase == "Committing");
        Assert.True(seen[^1].IsFinished, "the last progress record must be the finished one");
    }

    [Fact]
    public void Parallel_imports_in_one_process_leave_one_row_per_distinct_image()
    {
        string[] files = Enumerable.Range(0, 4).Select(i => _s.WriteFile($"par{i}.aci", TestAci.Simple("example.com/par", $"{i}"))).ToArray();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 12, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => ids.Add(_s.Import(files[i % 4]).Id));
        Assert.Equal(4, ids.Distinct().Count());
        var listed = _s.Engine.Images.List();
        Assert.Equal(ids.Distinct().Order(), listed.Select(x => x.Id).Order());
        foreach (var img in listed)
        {
            using var blob = _s.Engine.Images.OpenBlob(Rkt.Formats.Appc.Types.ImageId.Parse(img.Id), markUsed: false);
            Assert.Equal(img.Id, "sha512-" + Convert.ToHexStringLower(SHA512.HashData(blob))[..64]);
        }
        Assert.Empty(_s.TmpFiles());
    }

    [Fact]
    public void Missing_source_file_is_ImageFileNotFound()
    {
        var e = Assert.Throws<Errors.RktException>(() => _s.Import(Path.Combine(_s.Work, "nope.aci")));
        Assert.Equal("ImageFileNotFound", e.ErrorId);
    }

    /// <summary>Progress that records synchronously (Progress&lt;T&gt; posts to the thread pool and loses ordering).</summary>
    private sealed class SyncProgress(List<RktProgress> sink) : IProgress<RktProgress>
    {
        public void Report(RktProgress value) { lock (sink) sink.Add(value); }
    }
}
