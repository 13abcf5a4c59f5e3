// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using Rkt.Engine.Errors;

namespace Rkt.Engine.Tests.Images;

/// <summary>
/// Read-only and full data directories (real mounts; we run as root here and in CI). Every mount is undone in
/// the test's own finally (TestMount.Dispose).
/// </summary>
public sealed class ImageStoreFailureTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    [Fact]
    public void Read_only_empty_data_directory_is_StoreNotWritable()
    {
        Assert.Equal(0u, Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.EffectiveUserId);
        string path = _s.WriteFile("ro.aci", TestAci.Simple("example.com/ro"));
        using (TestMount.Tmpfs(_s.DataDir, "ro,size=1m"))
        {
            var e = Assert.Throws<RktException>(() => _s.Import(path));
            Assert.Equal("StoreNotWritable", e.ErrorId);
            Assert.Contains(_s.DataDir, e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(_s.DataDir));
        }
    }

    [Fact]
    public void Read_only_populated_store_refuses_import_and_stays_unchanged()
    {
        string populated = Path.Combine(_s.Root, "populated");
        Directory.CreateDirectory(populated);
        var src = RktEngine.Open(new RktPaths(populated));
        var first = src.Images.ImportFile(_s.WriteFile("a.aci", TestAci.Simple("example.com/a")), null, OperationContext.None);
        string path = _s.WriteFile("b.aci", TestAci.Gzip(TestAci.Simple("example.com/b")));
        var before = Snapshot(populated);

        using (TestMount.ReadOnlyBind(populated, _s.DataDir))
        {
            var e = Assert.Throws<RktException>(() => _s.Import(path));
            Assert.Equal("StoreNotWritable", e.ErrorId);
            Assert.Equal(RktErrorKind.PermissionDenied, e.Kind);
        }
        Assert.Equal(before, Snapshot(populated));
        Assert.Equal(first.Id, Assert.Single(src.Images.List()).Id);
    }

    [Fact]
    public void Full_data_directory_is_StoreFull_and_leaves_no_temp_file()
    {
        byte[] tar = TestAci.Tar(TestAci.Manifest("example.com/huge", "1"), [("rootfs/blob", RandomNumberGenerator.GetBytes(4 << 20))]);
        string path = _s.WriteFile("huge.aci.gz", TestAci.Gzip(tar));
        using (TestMount.Tmpfs(_s.DataDir, "size=1m"))
        {
            var e = Assert.Throws<RktException>(() => _s.Import(path));
            Assert.True(e.ErrorId == "StoreFull", $"{e.ErrorId}: {e.Message}");
            Assert.Equal(RktErrorKind.Unavailable, e.Kind);
            Assert.Empty(_s.TmpFiles());
            Assert.DoesNotContain(Directory.GetFiles(_s.Cas, "*", SearchOption.AllDirectories), f => !f.Contains("/imagelocks/"));

            // the store still works for something that fits
            var small = _s.Import(TestAci.Simple("example.com/small"), "small.aci");
            Assert.Equal(small.Id, Assert.Single(_s.Engine.Images.List()).Id);
            Assert.Empty(_s.TmpFiles());
        }
    }

    [Fact]
    public void Read_only_populated_store_can_still_be_listed_and_exported()
    {
        string populated = Path.Combine(_s.Root, "populated");
        Directory.CreateDirectory(populated);
        var src = RktEngine.Open(new RktPaths(populated));
        var first = src.Images.ImportFile(_s.WriteFile("a.aci", TestAci.Simple("example.com/a")), null, OperationContext.None);
        using (TestMount.ReadOnlyBind(populated, _s.DataDir))
        {
            Assert.Equal(first.Id, Assert.Single(_s.Engine.Images.List()).Id);
            Assert.Equal(first.Id, _s.Engine.Images.ResolveId(first.ShortId).Id);
            string dest = Path.Combine(_s.Work, "ro-export.aci");
            _s.Engine.Images.Export(first, dest, force: false, OperationContext.None);
            Assert.Equal(first.Id, "sha512-" + TestAci.Sha512Sum(dest)[..64]);
            // a write through the index is refused clearly
            var rm = Assert.Throws<RktException>(() => _s.Engine.Images.Remove(first, force: false, OperationContext.None));
            Assert.Equal("StoreNotWritable", rm.ErrorId);
        }
        Assert.Equal(first.Id, Assert.Single(src.Images.List()).Id);
    }

    [Fact]
    public void Store_that_fills_up_while_indexing_is_StoreFull_and_keeps_no_blob()
    {
        using (TestMount.Tmpfs(_s.DataDir, "size=2m"))
        {
            var first = _s.Import(TestAci.Simple("example.com/first"), "first.aci");
            var before = _s.Snapshot();
            // leave room for the blob of the next image but hardly anything after it
            byte[] tar = TestAci.Tar(TestAci.Manifest("example.com/tight"), [("rootfs/blob", RandomNumberGenerator.GetBytes(200_000))]);
            string path = _s.WriteFile("tight.aci", tar);
            string filler = Path.Combine(_s.DataDir, "filler");
            FillUntilFree(filler, tar.Length + 4096);
            var e = Record.Exception(() => _s.Import(path));
            File.Delete(filler);
            before.Remove("filler");
            Assert.NotNull(e);
            var r = Assert.IsType<RktException>(e);
            Assert.True(r.ErrorId == "StoreFull", $"{r.ErrorId}: {r.Message}");
            Assert.Empty(_s.TmpFiles());
            Assert.Equal(first.Id, Assert.Single(_s.Engine.Images.List()).Id);
            var after = _s.Snapshot();
            Assert.DoesNotContain(after.Keys, k => k.StartsWith("cas/blob/", StringComparison.Ordinal) && !before.ContainsKey(k));
        }
    }

    private static void FillUntilFree(string path, long leave)
    {
        var info = new DriveInfo(Path.GetDirectoryName(path)!);
        long fill = info.AvailableFreeSpace - leave;
        using var fs = File.Create(path);
        byte[] chunk = new byte[4096];
        for (long done = 0; done + chunk.Length <= fill; done += chunk.Length) fs.Write(chunk);
        fs.Flush(true);
    }

    private static SortedDictionary<string, string> Snapshot(string dir)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            d[Path.GetRelativePath(dir, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        return d;
    }
}
