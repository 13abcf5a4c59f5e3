// SPDX-License-Identifier: MIT
using Rkt.Engine.Store.Cas;

namespace Rkt.Engine.Tests.Images;

/// <summary>Temp files of killed imports are removed by a later import once stale and unlocked, and only then.</summary>
public sealed class ImageTempSweepTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    private string Orphan(string name, TimeSpan age)
    {
        Directory.CreateDirectory(_s.CasTmp);
        string p = Path.Combine(_s.CasTmp, name);
        File.WriteAllBytes(p, new byte[4096]);
        File.SetLastWriteTimeUtc(p, DateTime.UtcNow - age);
        return p;
    }

    [Fact]
    public void Import_removes_stale_unlocked_ingest_files_and_keeps_fresh_locked_and_foreign_ones()
    {
        string stale = Orphan(BlobStore.IngestPrefix + "dead0001", TimeSpan.FromHours(2));
        string fresh = Orphan(BlobStore.IngestPrefix + "young001", TimeSpan.FromMinutes(5));
        string locked = Orphan(BlobStore.IngestPrefix + "alive001", TimeSpan.FromHours(3));
        string foreign = Orphan("download-cache", TimeSpan.FromDays(3));
        // a live (slow) import: .NET takes flock(LOCK_EX) for FileShare.None
        using (var live = new FileStream(locked, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            File.SetLastWriteTimeUtc(locked, DateTime.UtcNow - TimeSpan.FromHours(3));
            _s.Import(TestAci.Simple("example.com/sweep"));
            Assert.False(File.Exists(stale), "a stale orphan should be gone");
            Assert.True(File.Exists(fresh), "a recent temp file may belong to a running import");
            Assert.True(File.Exists(locked), "a locked temp file belongs to a running import");
            Assert.True(File.Exists(foreign), "only ingest-* files are ours to sweep");
        }
        // once its writer is gone, the old file goes with the next import
        _s.Import(TestAci.Simple("example.com/sweep2"), "s2.aci");
        Assert.False(File.Exists(locked));
        Assert.True(File.Exists(fresh));
        Assert.Equal(2, _s.Engine.Images.List().Count);
    }
}
