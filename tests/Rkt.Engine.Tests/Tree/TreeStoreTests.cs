// SPDX-License-Identifier: MIT
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Images;
using Rkt.Engine.Tests.Support;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Tree;

/// <summary>The tree store's write protocol: hash recorded and verified, OnDisk, crash recovery, index rows.</summary>
[Trait("Category", "Privileged")]
public sealed class TreeStoreTests : IDisposable
{
    private static readonly ISyscalls Sys = LinuxSyscalls.Instance;
    private readonly TempStore _s = new();
    private readonly RecordingLog _log = new();
    private readonly RktImage _top;

    public TreeStoreTests()
    {
        Privileged.RequireRoot();
        var baseImg = _s.Import(new AciLayout(_s.Work, "example.com/base").Dir("etc").File("etc/os", "base").Dir("bin").File("bin/sh", "sh", "0755").Build());
        _top = _s.Import(new AciLayout(_s.Work, "example.com/app").DependsOn("example.com/base", baseImg.Id).File("app", "app", "0755").Symlink("link", "app").Build());
    }

    public void Dispose() => _s.Dispose();

    private OperationContext Ctx => new(CancellationToken.None, null, _log);

    private RenderedTree Render(bool onDisk = false) =>
        _s.Engine.Trees.Render(ImageId.Parse(_top.Id), new TreeRenderOptions { SkipVerify = onDisk }, Ctx);

    [Fact]
    public void The_hash_is_recorded_in_the_tree_and_its_index_row_and_matches_a_recomputation()
    {
        RenderedTree t = Render();
        string hash = File.ReadAllText(Path.Combine(t.Path, "hash"));
        Assert.Matches("^sha512-[0-9a-f]{64}$", hash);
        Assert.Equal(hash, TreeHash.Compute(Sys, t.Path, TreeHashMode.Metadata, CancellationToken.None));
        var row = Assert.Single(_s.Engine.Trees.TreesOf(ImageId.Parse(_top.Id)));
        Assert.Equal(t.TreeId, row.TreeId);
        Assert.Equal(hash, row.Hash);
        Assert.Equal(t.ImageKeys, row.ImageKeys);
        Assert.True(row.Size > 0);
        Assert.Equal(row.Size, _s.Engine.Images.Get(ImageId.Parse(_top.Id))!.TreeStoreSize);
        Assert.True(_s.Engine.Trees.Verify(t.TreeId, Ctx));
    }

    [Fact]
    public void A_cached_tree_that_matches_its_hash_is_used_as_is()
    {
        RenderedTree first = Render();
        DateTime rendered = _s.Engine.Trees.All().Single().RenderTime;
        RenderedTree second = Render();
        Assert.Equal(first.TreeId, second.TreeId);
        Assert.Equal(rendered, _s.Engine.Trees.All().Single().RenderTime);
        Assert.Empty(_log.Warnings);
        Assert.Contains(_log.Verbose, v => v.Contains("matches its hash"));
    }

    public static TheoryData<string> Tamperings() => ["append", "chmod", "chown", "delete", "add", "retarget", "touch", "manifest"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void A_changed_tree_is_detected_rendered_again_with_a_warning_and_used_as_is_with_OnDisk(string how)
    {
        RenderedTree t = Render();
        var pristine = TreeSnapshot.Describe(t.Rootfs, times: true);
        string app = Path.Combine(t.Rootfs, "app");
        void Tamper()
        {
            switch (how)
            {
                case "append": File.AppendAllText(app, "!"); break;
                case "chmod": Sys.Chmod(app, (UnixFileMode)Convert.ToInt32("4755", 8)); break;
                case "chown": Sys.Lchown(app, 1234, -1); break;
                case "delete": File.Delete(Path.Combine(t.Rootfs, "etc", "os")); break;
                case "add": File.WriteAllText(Path.Combine(t.Rootfs, "bin", "planted"), "x"); break;
                case "retarget": File.Delete(Path.Combine(t.Rootfs, "link")); Sys.Symlink("/bin/sh", Path.Combine(t.Rootfs, "link")); break;
                case "touch": Sys.SetTimes(app, null, 42); break;
                case "manifest": File.AppendAllText(Path.Combine(t.Path, "manifest"), " "); break;
            }
        }

        Tamper();
        var tampered = TreeSnapshot.Describe(t.Rootfs, times: true);
        Assert.False(_s.Engine.Trees.Verify(t.TreeId, Ctx));

        // OnDisk: the tree is used without looking at it
        RenderedTree skipped = Render(onDisk: true);
        Assert.Equal(tampered, TreeSnapshot.Describe(skipped.Rootfs, times: true));
        Assert.Empty(_log.Warnings);

        RenderedTree again = Render();
        Assert.Equal(t.TreeId, again.TreeId);
        string warning = Assert.Single(_log.Warnings);
        Assert.Contains(t.TreeId, warning);
        Assert.Contains("changed on disk", warning);
        Assert.Equal(pristine, TreeSnapshot.Describe(again.Rootfs, times: true));
        Assert.True(_s.Engine.Trees.Verify(again.TreeId, Ctx));
    }

    [Fact]
    public void Reading_a_tree_does_not_change_its_hash()
    {
        RenderedTree t = Render();
        string hash = File.ReadAllText(Path.Combine(t.Path, "hash"));
        Sys.SetTimes(Path.Combine(t.Rootfs, "app"), 12345, null); // atime only
        _ = File.ReadAllText(Path.Combine(t.Rootfs, "etc", "os"));
        Assert.Equal(hash, TreeHash.Compute(Sys, t.Path, TreeHashMode.Metadata, CancellationToken.None));
    }

    [Fact]
    public void A_tree_left_without_its_rendered_marker_by_a_crash_is_removed_and_rendered_again()
    {
        string treeId = Render().TreeId;
        string dir = _s.Engine.Trees.PathOf(treeId);
        // Simulate a render killed half way: the directory exists with part of the rootfs and no marker.
        Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(Path.Combine(dir, "rootfs", "etc"));
        File.WriteAllText(Path.Combine(dir, "rootfs", "etc", "os"), "half writ");
        File.WriteAllText(Path.Combine(dir, "rootfs", "stray"), "from the crashed render");

        RenderedTree t = Render();
        Assert.Equal(treeId, t.TreeId);
        Assert.Contains(_log.Warnings, w => w.Contains("incomplete tree") && w.Contains(treeId));
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["app"] = "file 0755 0:0 \"app\"",
            ["bin"] = "dir 0755 0:0",
            ["bin/sh"] = "file 0755 0:0 \"sh\"",
            ["etc"] = "dir 0755 0:0",
            ["etc/os"] = "file 0644 0:0 \"base\"",
            ["link"] = "symlink 0:0 -> app",
        }, t.Rootfs);
        Assert.True(File.Exists(Path.Combine(t.Path, "rendered")));
    }

    [Fact]
    public void A_marked_tree_without_a_hash_file_is_rendered_again()
    {
        RenderedTree t = Render();
        File.Delete(Path.Combine(t.Path, "hash"));
        RenderedTree again = Render();
        Assert.Contains("recorded none", Assert.Single(_log.Warnings));
        Assert.True(File.Exists(Path.Combine(again.Path, "hash")));
        Assert.True(_s.Engine.Trees.Verify(again.TreeId, Ctx));
    }

    [Fact]
    public void Removing_a_tree_drops_marker_directory_and_row_and_the_images_tree_size()
    {
        RenderedTree t = Render();
        _s.Engine.Trees.Remove(t.TreeId, Ctx);
        Assert.False(Directory.Exists(t.Path));
        Assert.Empty(_s.Engine.Trees.All());
        Assert.Equal(0, _s.Engine.Images.Get(ImageId.Parse(_top.Id))!.TreeStoreSize);
    }
}
