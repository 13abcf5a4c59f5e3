// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Images;
using Rkt.Engine.Tests.Support;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Tree;

/// <summary>Trees go with their images, stay while a pod references them, and are reclaimed by image gc.</summary>
[Trait("Category", "Privileged")]
public sealed class TreeLifecycleTests : IDisposable
{
    private readonly TempStore _s = new();
    private readonly RktImage _base, _app, _other;

    public TreeLifecycleTests()
    {
        Privileged.RequireRoot();
        _base = _s.Import(new AciLayout(_s.Work, "example.com/base").File("base", "b").Build());
        _app = _s.Import(new AciLayout(_s.Work, "example.com/app").DependsOn("example.com/base", _base.Id).File("app", "a").Build());
        _other = _s.Import(new AciLayout(_s.Work, "example.com/other").File("other", "o").Build());
    }

    public void Dispose() => _s.Dispose();

    private RenderedTree Render(RktImage i) => _s.Engine.Trees.Render(ImageId.Parse(i.Id), OperationContext.None);

    private string[] TreeDirs() => Directory.EnumerateDirectories(Path.Combine(_s.Cas, "tree")).Select(d => Path.GetFileName(d)!).Order().ToArray();

    /// <summary>A pod directory that references trees the way prepare writes them (nothing else is needed to pin them).</summary>
    private string FakePod(string state, string stage1Tree, params (string App, string Tree)[] apps)
    {
        string pod = Path.Combine(_s.DataDir, "pods", state, Guid.NewGuid().ToString());
        Directory.CreateDirectory(pod);
        File.WriteAllText(Path.Combine(pod, "stage1TreeStoreID"), stage1Tree);
        foreach (var (app, tree) in apps)
        {
            Directory.CreateDirectory(Path.Combine(pod, "appsinfo", app));
            File.WriteAllText(Path.Combine(pod, "appsinfo", app, "treeStoreID"), tree);
        }
        return pod;
    }

    [Fact]
    public void Removing_an_image_removes_its_trees_and_every_tree_that_contains_it_and_nothing_else()
    {
        RenderedTree baseTree = Render(_base), appTree = Render(_app), otherTree = Render(_other);
        Assert.Equal(3, TreeDirs().Length);

        _s.Engine.Images.Remove(_s.Engine.Images.Get(ImageId.Parse(_base.Id))!, force: false, OperationContext.None);

        // base's own tree and app's tree (which holds base's files) are gone; other's stays
        Assert.Equal([otherTree.TreeId], TreeDirs());
        Assert.Equal([otherTree.TreeId], _s.Engine.Trees.All().Select(t => t.TreeId));
        Assert.False(Directory.Exists(baseTree.Path));
        Assert.False(Directory.Exists(appTree.Path));
        Assert.Equal(0, _s.Engine.Images.Get(ImageId.Parse(_app.Id))!.TreeStoreSize);
    }

    [Fact]
    public void A_dependency_that_a_pods_tree_contains_is_in_use_and_forced_removal_keeps_the_tree()
    {
        RenderedTree appTree = Render(_app);
        FakePod("run", appTree.TreeId, ("app", appTree.TreeId));

        var e = Assert.Throws<RktException>(() => _s.Engine.Images.Remove(_base, force: false, OperationContext.None));
        Assert.Equal("ImageInUse", e.ErrorId);

        _s.Engine.Images.Remove(_base, force: true, OperationContext.None);
        Assert.Null(_s.Engine.Images.Get(ImageId.Parse(_base.Id)));
        Assert.True(File.Exists(Path.Combine(appTree.Path, "rendered")));
        Assert.Equal([appTree.TreeId], TreeDirs());
    }

    [Fact]
    public void Image_gc_reclaims_unreferenced_trees_then_images_past_the_grace_period_but_not_what_pods_use()
    {
        RenderedTree appTree = Render(_app);
        RenderedTree otherTree = Render(_other);
        RenderedTree baseTree = Render(_base);
        string pod = FakePod("exited-garbage", appTree.TreeId, ("app", appTree.TreeId));

        // Long grace period: only trees go, and only the ones no pod directory names.
        Assert.Empty(_s.Engine.CollectImages(TimeSpan.FromDays(1), OperationContext.None));
        Assert.Equal([appTree.TreeId], TreeDirs());
        Assert.DoesNotContain(_s.Engine.Trees.All(), t => t.TreeId == otherTree.TreeId || t.TreeId == baseTree.TreeId);

        // Zero grace: every image goes, since an exited-garbage pod pins its trees but not its images...
        var removed = _s.Engine.CollectImages(TimeSpan.Zero, OperationContext.None).Select(i => i.Name).Order().ToList();
        Assert.Equal(["example.com/app", "example.com/base", "example.com/other"], removed);
        // ...while the tree it may still have mounted stays until the pod itself is gone.
        Assert.Equal([appTree.TreeId], TreeDirs());

        Directory.Delete(pod, recursive: true);
        _s.Engine.CollectImages(TimeSpan.Zero, OperationContext.None);
        Assert.Empty(TreeDirs());
        Assert.Empty(_s.Engine.Trees.All());
    }

    [Fact]
    public void Image_gc_keeps_a_dependency_that_a_live_pods_tree_contains()
    {
        RenderedTree appTree = Render(_app);
        FakePod("prepared", appTree.TreeId, ("app", appTree.TreeId));
        // the pod manifest is absent: the images are pinned only through the tree
        var removed = _s.Engine.CollectImages(TimeSpan.Zero, OperationContext.None).Select(i => i.Name).ToList();
        Assert.Equal(["example.com/other"], removed);
        Assert.NotNull(_s.Engine.Images.Get(ImageId.Parse(_base.Id)));
        Assert.Equal([appTree.TreeId], TreeDirs());
    }

    [Fact]
    public void Rendering_marks_every_image_of_the_list_used()
    {
        DateTime before = DateTime.UtcNow;
        Thread.Sleep(20);
        Render(_app);
        Assert.True(_s.Engine.Images.Get(ImageId.Parse(_base.Id))!.LastUsed > before);
        Assert.True(_s.Engine.Images.Get(ImageId.Parse(_app.Id))!.LastUsed > before);
        Assert.True(_s.Engine.Images.Get(ImageId.Parse(_other.Id))!.LastUsed < before);
    }
}
