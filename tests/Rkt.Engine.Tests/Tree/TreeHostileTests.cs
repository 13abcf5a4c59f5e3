// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Images;
using Rkt.Engine.Tests.Support;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Tree;

/// <summary>
/// Hostile layers: whatever one image lays down (symlinks, <c>..</c> targets, hard links), no other layer can write
/// through it out of the tree. Each test watches a directory outside the store that the images aim at.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class TreeHostileTests : IDisposable
{
    private readonly TempStore _s = new();
    private readonly string _outside;

    public TreeHostileTests()
    {
        Privileged.RequireRoot();
        _outside = Path.Combine(_s.Root, "outside");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "victim"), "untouched");
    }

    public void Dispose() => _s.Dispose();

    private AciLayout Layout(string name) => new(_s.Work, name);

    private RktImage Import(AciLayout l) => _s.Import(l.Build());

    private RenderedTree Render(RktImage top) => _s.Engine.Trees.Render(ImageId.Parse(top.Id), OperationContext.None);

    private void AssertOutsideUntouched()
    {
        Assert.Equal(["victim"], Directory.EnumerateFileSystemEntries(_outside).Select(Path.GetFileName).Order());
        Assert.Equal("untouched", File.ReadAllText(Path.Combine(_outside, "victim")));
        Assert.Equal(1UL, LinuxSyscalls.Instance.Lstat(Path.Combine(_outside, "victim")).LinkCount);
    }

    [Fact]
    public void A_lower_layers_file_below_an_upper_layers_absolute_symlink_is_not_written()
    {
        var lower = Import(Layout("example.com/lower").Dir("lib").File("lib/evil", "pwned").File("lib/victim", "pwned"));
        var upper = Import(Layout("example.com/upper").DependsOn("example.com/lower", lower.Id).Symlink("lib", _outside));

        RenderedTree t = Render(upper);
        TreeSnapshot.AssertTree(new Dictionary<string, string> { ["lib"] = $"symlink 0:0 -> {_outside}" }, t.Rootfs);
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_symlink_laid_by_a_lower_layer_cannot_redirect_an_upper_layers_files()
    {
        var lower = Import(Layout("example.com/lower").Symlink("etc", _outside).Symlink("bin", "/"));
        var upper = Import(Layout("example.com/upper").DependsOn("example.com/lower", lower.Id)
            .Dir("etc").File("etc/victim", "pwned").Dir("bin").File("bin/sh", "sh"));

        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["bin"] = "dir 0755 0:0",
            ["bin/sh"] = "file 0644 0:0 \"sh\"",
            ["etc"] = "dir 0755 0:0",
            ["etc/victim"] = "file 0644 0:0 \"pwned\"",
        }, Render(upper).Rootfs);
        AssertOutsideUntouched();
    }

    [Fact]
    public void Dotdot_after_symlinks_is_never_resolved_while_rendering()
    {
        string climb = string.Concat(Enumerable.Repeat("../", 30)) + _outside.TrimStart('/');
        var lower = Import(Layout("example.com/lower")
            .Dir("up").File("up/victim", "pwned")
            .Dir("a").Dir("a/b").File("a/b/victim", "pwned")
            .Dir("chain").File("chain/victim", "pwned"));
        var upper = Import(Layout("example.com/upper").DependsOn("example.com/lower", lower.Id)
            .Symlink("up", climb)                 // ../../…/outside
            .Dir("a").Symlink("a/b", "../../../../../../../../" + _outside.TrimStart('/'))
            .Symlink("chain", "hop").Symlink("hop", "hop2/../..").Dir("hop2"));

        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["a"] = "dir 0755 0:0",
            ["a/b"] = "symlink 0:0 -> ../../../../../../../../" + _outside.TrimStart('/'),
            ["chain"] = "symlink 0:0 -> hop",
            ["hop"] = "symlink 0:0 -> hop2/../..",
            ["hop2"] = "dir 0755 0:0",
            ["up"] = "symlink 0:0 -> " + climb,
        }, Render(upper).Rootfs);
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_hard_link_whose_target_an_upper_layer_replaced_with_a_symlink_fails_the_render_and_leaves_no_tree()
    {
        // The lower image links bin/sh to bin/busybox; the upper image makes bin/busybox a symlink to a host file.
        var lower = Import(Layout("example.com/lower").Dir("bin").File("bin/busybox", "bb", "0755").HardLink("bin/sh", "bin/busybox"));
        var upper = Import(Layout("example.com/upper").DependsOn("example.com/lower", lower.Id)
            .Dir("bin").Symlink("bin/busybox", Path.Combine(_outside, "victim")));

        var e = Assert.Throws<RktException>(() => Render(upper));
        Assert.Equal(UnsafeArchiveException.InvalidTarEntry, e.ErrorId);
        Assert.Contains("example.com/lower", e.Message);
        Assert.Contains("rootfs/bin/sh", e.Message);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_s.Cas, "tree")));
        AssertOutsideUntouched();
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("rootfs/../../outside/victim")]
    [InlineData("manifest")]
    public void Hard_links_out_of_rootfs_never_enter_the_store(string target)
    {
        var tar = new TarBuilder()
            .File("manifest", TestAci.Manifest("example.com/hostile", "1"))
            .Dir("rootfs")
            .HardLink("rootfs/h", target);
        var e = Assert.Throws<RktException>(() => _s.Import(tar.ToStream().ToArray(), "h.aci"));
        Assert.Equal("UnsafeTarEntry", e.ErrorId);
        Assert.Empty(_s.Engine.Images.List());
    }

    [Fact]
    public void An_images_own_file_below_its_own_symlink_never_enters_the_store()
    {
        var tar = new TarBuilder()
            .File("manifest", TestAci.Manifest("example.com/hostile", "1"))
            .Dir("rootfs")
            .Symlink("rootfs/etc", _outside)
            .File("rootfs/etc/victim", "pwned");
        var e = Assert.Throws<RktException>(() => _s.Import(tar.ToStream().ToArray(), "s.aci"));
        Assert.Equal("UnsafeTarEntry", e.ErrorId);
        AssertOutsideUntouched();
    }
}
