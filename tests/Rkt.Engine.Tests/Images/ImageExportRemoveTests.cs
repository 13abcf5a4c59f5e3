// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using Rkt.Engine.Errors;

namespace Rkt.Engine.Tests.Images;

/// <summary>Export is byte-exact and careful with existing files; Remove deletes everything and respects pods.</summary>
public sealed class ImageExportRemoveTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    private string BlobPath(string id) => Path.Combine(_s.Cas, "blob", "sha512", id[7..9], id);
    private string ManifestPath(string id) => Path.Combine(_s.Cas, "imageManifest", "sha512", id[7..9], id);

    [Fact]
    public void Export_is_byte_exact_and_refuses_existing_file_unless_forced()
    {
        byte[] tar = TestAci.Tar(TestAci.Manifest("example.com/exp", "1"), [("rootfs/data", RandomNumberGenerator.GetBytes(300_000))]);
        var img = _s.Import(TestAci.Gzip(tar), "exp.aci.gz");
        string dest = Path.Combine(_s.Work, "out.aci");

        FileInfo fi = _s.Engine.Images.Export(img, dest, force: false, OperationContext.None);
        Assert.Equal(dest, fi.FullName);
        Assert.Equal(tar, File.ReadAllBytes(dest));
        string sum = TestAci.Sha512Sum(dest);
        Assert.Equal(img.Id, "sha512-" + sum[..64]);
        Assert.Equal(File.ReadAllBytes(BlobPath(img.Id)), File.ReadAllBytes(dest));

        File.WriteAllText(dest, "someone else's file");
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.Export(img, dest, force: false, OperationContext.None));
        Assert.Equal("DestinationExists", e.ErrorId);
        Assert.Equal(RktErrorKind.AlreadyExists, e.Kind);
        Assert.Equal("someone else's file", File.ReadAllText(dest));

        _s.Engine.Images.Export(img, dest, force: true, OperationContext.None);
        Assert.Equal(tar, File.ReadAllBytes(dest));
        // no temp file left beside the destination
        Assert.Equal(new[] { dest }, Directory.GetFiles(_s.Work, "out*").Concat(Directory.GetFiles(_s.Work, ".out*")).ToArray());
    }

    [Fact]
    public void Export_into_a_missing_directory_is_DestinationNotWritable()
    {
        var img = _s.Import(TestAci.Simple("example.com/nodir"));
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.Export(img, Path.Combine(_s.Work, "no", "such", "dir.aci"), false, OperationContext.None));
        Assert.Equal("DestinationNotWritable", e.ErrorId);
        Assert.Equal(RktErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public void Export_of_an_image_removed_meanwhile_is_ImageNotFound_and_writes_nothing()
    {
        var img = _s.Import(TestAci.Simple("example.com/vanish"));
        _s.Engine.Images.Remove(img, force: false, OperationContext.None);
        string dest = Path.Combine(_s.Work, "vanished.aci");
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.Export(img, dest, false, OperationContext.None));
        Assert.Equal("ImageNotFound", e.ErrorId);
        Assert.Empty(Directory.GetFiles(_s.Work, "*vanished*"));
    }

    [Fact]
    public void Export_bumps_last_used()
    {
        var img = _s.Import(TestAci.Simple("example.com/used"));
        Thread.Sleep(20);
        _s.Engine.Images.Export(img, Path.Combine(_s.Work, "u.aci"), false, OperationContext.None);
        var after = _s.Engine.Images.ResolveId(img.Id);
        Assert.True(after.LastUsed > img.LastUsed, $"LastUsed {after.LastUsed:O} should be after {img.LastUsed:O}");
        Assert.Equal(img.ImportTime, after.ImportTime);
    }

    [Fact]
    public void Remove_deletes_row_blob_and_manifest_and_keeps_other_images()
    {
        var keep = _s.Import(TestAci.Simple("example.com/keep"), "k.aci");
        var img = _s.Import(TestAci.Simple("example.com/gone"), "g.aci");
        Assert.True(File.Exists(BlobPath(img.Id)));
        Assert.True(File.Exists(ManifestPath(img.Id)));

        IReadOnlyList<string> left = _s.Engine.Images.Remove(img, force: false, OperationContext.None);
        Assert.Empty(left);
        Assert.False(File.Exists(BlobPath(img.Id)));
        Assert.False(File.Exists(ManifestPath(img.Id)));
        Assert.Null(_s.Engine.Images.Index.Run(t => t.Images.FindById(img.Id), TestContext.Current.CancellationToken));
        Assert.Equal("ImageNotFound", Assert.Throws<RktException>(() => _s.Engine.Images.ResolveId(img.Id)).ErrorId);
        Assert.Equal(keep.Id, Assert.Single(_s.Engine.Images.List()).Id);
        Assert.True(File.Exists(BlobPath(keep.Id)));

        // it can come back
        var again = _s.Import(TestAci.Simple("example.com/gone"), "g2.aci");
        Assert.Equal(img.Id, again.Id);
        Assert.True(File.Exists(BlobPath(img.Id)));
    }

    [Theory]
    [InlineData("prepared")]
    [InlineData("run")]
    public void Remove_refuses_an_image_a_pod_uses_unless_forced(string state)
    {
        var img = _s.Import(TestAci.Simple("example.com/inuse", "1"));
        var other = _s.Import(TestAci.Simple("example.com/free", "1"), "free.aci");
        string uuid = Guid.NewGuid().ToString();
        string podDir = Path.Combine(_s.DataDir, "pods", state, uuid);
        Directory.CreateDirectory(podDir);
        File.WriteAllText(Path.Combine(podDir, "pod"), $$$"""
            {"acKind":"PodManifest","acVersion":"0.8.11","apps":[
              {"name":"inuse","image":{"name":"example.com/inuse","id":"{{{img.Id}}}","labels":[{"name":"version","value":"1"}]}}
            ]}
            """);

        var e = Assert.Throws<RktException>(() => _s.Engine.Images.Remove(img, force: false, OperationContext.None));
        Assert.Equal("ImageInUse", e.ErrorId);
        Assert.Equal(RktErrorKind.InvalidState, e.Kind);
        Assert.Contains(uuid[..8], e.Message);
        Assert.True(File.Exists(BlobPath(img.Id)));
        Assert.NotNull(_s.Engine.Images.ResolveId(img.Id));

        // an image the pod does not name is free to go
        _s.Engine.Images.Remove(other, force: false, OperationContext.None);

        _s.Engine.Images.Remove(img, force: true, OperationContext.None);
        Assert.False(File.Exists(BlobPath(img.Id)));
        Assert.Empty(_s.Engine.Images.List());
    }

    [Fact]
    public void Pods_in_garbage_do_not_pin_images()
    {
        var img = _s.Import(TestAci.Simple("example.com/garbage"));
        string podDir = Path.Combine(_s.DataDir, "pods", "exited-garbage", Guid.NewGuid().ToString());
        Directory.CreateDirectory(podDir);
        File.WriteAllText(Path.Combine(podDir, "pod"),
            $$$"""{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"g","image":{"id":"{{{img.Id}}}"}}]}""");
        _s.Engine.Images.Remove(img, force: false, OperationContext.None);
        Assert.Empty(_s.Engine.Images.List());
    }
}
