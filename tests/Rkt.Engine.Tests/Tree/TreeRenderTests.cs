// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Rkt.Engine.Model;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Images;
using Rkt.Engine.Tests.Support;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Tree;

/// <summary>
/// appc rendering semantics end to end: images built with <c>actool build</c>, imported, rendered by the tree
/// store, and the rendered rootfs compared path by path (type, mode, owner, target, content).
/// </summary>
[Trait("Category", "Privileged")]
public sealed class TreeRenderTests : IDisposable
{
    private readonly TempStore _s = new();
    private readonly RecordingLog _log = new();

    public TreeRenderTests() => Privileged.RequireRoot();

    public void Dispose() => _s.Dispose();

    private OperationContext Ctx => new(CancellationToken.None, null, _log);

    private AciLayout Layout(string name, string? version = "1") => new(_s.Work, name, version);

    private RktImage Import(AciLayout l) => _s.Import(l.Build());

    private RenderedTree Render(RktImage top) => _s.Engine.Trees.Render(ImageId.Parse(top.Id), Ctx);

    private IReadOnlyList<string> Flatten(RktImage top) =>
        new DependencyResolver(_s.Engine.Images).Flatten(ImageId.Parse(top.Id)).Select(f => f.Manifest.Name.Value).ToList();

    private static string RktTreeId(params RktImage[] flattened)
    {
        byte[] d = SHA512.HashData(Encoding.UTF8.GetBytes(string.Join(",", flattened.Select(i => i.Id))));
        return "deps-sha512-" + Convert.ToHexStringLower(d)[..64];
    }

    [Fact]
    public void Linear_chain_upper_images_override_lower_ones_and_the_tree_id_is_rkts()
    {
        var c = Import(Layout("example.com/c").Dir("bin").File("bin/sh", "C-sh", "0755").Dir("etc").File("etc/os", "C").Dir("lib").File("lib/c", "c"));
        var b = Import(Layout("example.com/b").DependsOn("example.com/c", c.Id).Dir("etc").File("etc/os", "B").Dir("usr").File("usr/b", "b", "0600", 7, 8));
        var a = Import(Layout("example.com/a").DependsOn("example.com/b", b.Id).Dir("etc").File("etc/os", "A").File("app", "a", "0750"));

        Assert.Equal(["example.com/a", "example.com/b", "example.com/c"], Flatten(a));
        RenderedTree t = Render(a);
        Assert.Equal(RktTreeId(a, b, c), t.TreeId);
        Assert.Equal(t.TreeId, Path.GetFileName(t.Path));
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["app"] = "file 0750 0:0 \"a\"",
            ["bin"] = "dir 0755 0:0",
            ["bin/sh"] = "file 0755 0:0 \"C-sh\"",
            ["etc"] = "dir 0755 0:0",
            ["etc/os"] = "file 0644 0:0 \"A\"",
            ["lib"] = "dir 0755 0:0",
            ["lib/c"] = "file 0644 0:0 \"c\"",
            ["usr"] = "dir 0755 0:0",
            ["usr/b"] = "file 0600 7:8 \"b\"",
        }, t.Rootfs);
        Assert.Equal(a.Manifest.ToJson(), File.ReadAllBytes(Path.Combine(t.Path, "manifest")));
        Assert.True(File.Exists(Path.Combine(t.Path, "rendered")));
        Assert.Equal(a.Id, File.ReadAllText(Path.Combine(t.Path, "image")));
    }

    [Fact]
    public void Diamond_is_flattened_as_rkt_does_and_the_later_declared_sibling_wins()
    {
        var d = Import(Layout("example.com/d").File("x", "D").File("shared", "D"));
        var b = Import(Layout("example.com/b").DependsOn("example.com/d", d.Id).File("shared", "B").File("b", "B"));
        var c = Import(Layout("example.com/c").DependsOn("example.com/d", d.Id).File("shared", "C").File("c", "C"));
        var a = Import(Layout("example.com/a").DependsOn("example.com/b", b.Id).DependsOn("example.com/c", c.Id).File("a", "A"));

        // rkt: A, then its dependencies in reverse declaration order, each followed by its own (D once per path).
        Assert.Equal(["example.com/a", "example.com/c", "example.com/d", "example.com/b", "example.com/d"], Flatten(a));
        RenderedTree t = Render(a);
        Assert.Equal(RktTreeId(a, c, d, b, d), t.TreeId);
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["a"] = "file 0644 0:0 \"A\"",
            ["b"] = "file 0644 0:0 \"B\"",
            ["c"] = "file 0644 0:0 \"C\"",
            ["shared"] = "file 0644 0:0 \"C\"",
            ["x"] = "file 0644 0:0 \"D\"",
        }, t.Rootfs);
    }

    [Fact]
    public void The_top_whitelist_filters_every_dependency_directories_included_but_not_its_own_directories()
    {
        var c = Import(Layout("example.com/c").Dir("bin", "0700", 3, 3).File("bin/sh", "C-sh", "0755").File("bin/ls", "C-ls").Dir("etc").File("etc/keep", "C").File("etc/drop", "C"));
        var b = Import(Layout("example.com/b").DependsOn("example.com/c", c.Id).Dir("etc").File("etc/b", "B").Dir("opt", "0711"));
        var top = Layout("example.com/a").DependsOn("example.com/b", b.Id).Dir("own", "0750").File("own/listed", "A").File("own/unlisted", "A").File("etc/keep", "A");
        top.PathWhitelist.AddRange(["/bin/sh", "/etc/keep", "/own/listed", "/etc/b/"]);
        var a = Import(top);

        RenderedTree t = Render(a);
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            // bin and opt come from dependencies and are not listed: bin is an implicit parent (0755 root), opt is gone
            ["bin"] = "dir 0755 0:0",
            ["bin/sh"] = "file 0755 0:0 \"C-sh\"",
            ["etc"] = "dir 0755 0:0",
            ["etc/b"] = "file 0644 0:0 \"B\"", // "/etc/b/" is cleaned to an exact path
            ["etc/keep"] = "file 0644 0:0 \"A\"", // the top image's own listed file beats C's
            ["own"] = "dir 0750 0:0", // the top image's own directories are exempt from its whitelist
            ["own/listed"] = "file 0644 0:0 \"A\"",
        }, t.Rootfs);
    }

    [Fact]
    public void A_middle_whitelist_filters_its_own_files_and_its_dependencies_when_the_top_has_none()
    {
        var c = Import(Layout("example.com/c").Dir("lib").File("lib/keep", "C").File("lib/drop", "C").Dir("share"));
        var mid = Layout("example.com/b").DependsOn("example.com/c", c.Id).Dir("bdir").File("bdir/listed", "B").File("bdir/unlisted", "B");
        mid.PathWhitelist.AddRange(["/lib/keep", "/bdir/listed", "/lib"]);
        var b = Import(mid);
        var a = Import(Layout("example.com/a").DependsOn("example.com/b", b.Id).File("a", "A"));

        RenderedTree t = Render(a);
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["a"] = "file 0644 0:0 \"A\"",
            ["bdir"] = "dir 0755 0:0",
            ["bdir/listed"] = "file 0644 0:0 \"B\"",
            ["lib"] = "dir 0755 0:0",
            ["lib/keep"] = "file 0644 0:0 \"C\"",
        }, t.Rootfs);
    }

    [Fact]
    public void A_siblings_whitelist_never_filters_another_branch()
    {
        // A -> [B, C]; C -> E (whitelist /e) -> F; B -> D. Flattened: A, C, E, F, B, D. rkt's backward walk gives D
        // E's whitelist (Appendix A5); only D's true ancestors (B, A) count here, and neither has one.
        var f = Import(Layout("example.com/f").File("f", "F"));
        var eLayout = Layout("example.com/e").DependsOn("example.com/f", f.Id).File("e", "E");
        eLayout.PathWhitelist.Add("/e");
        var e = Import(eLayout);
        var c = Import(Layout("example.com/c").DependsOn("example.com/e", e.Id).File("c", "C"));
        var d = Import(Layout("example.com/d").File("d", "D"));
        var b = Import(Layout("example.com/b").DependsOn("example.com/d", d.Id).File("b", "B"));
        var a = Import(Layout("example.com/a").DependsOn("example.com/b", b.Id).DependsOn("example.com/c", c.Id));

        Assert.Equal(["example.com/a", "example.com/c", "example.com/e", "example.com/f", "example.com/b", "example.com/d"], Flatten(a));
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["b"] = "file 0644 0:0 \"B\"",
            ["c"] = "file 0644 0:0 \"C\"",
            ["d"] = "file 0644 0:0 \"D\"",
            ["e"] = "file 0644 0:0 \"E\"",
            // F is below E, whose whitelist lists only /e
        }, Render(a).Rootfs);
    }

    [Fact]
    public void The_same_image_reached_twice_is_filtered_by_each_paths_whitelist_and_contributes_what_is_still_missing()
    {
        var d = Import(Layout("example.com/d").File("d1", "D").File("d2", "D").File("d3", "D"));
        var bl = Layout("example.com/b").DependsOn("example.com/d", d.Id).File("b", "B");
        bl.PathWhitelist.AddRange(["/b", "/d1"]);
        var cl = Layout("example.com/c").DependsOn("example.com/d", d.Id).File("c", "C");
        cl.PathWhitelist.AddRange(["/c", "/d2"]);
        var b = Import(bl);
        var c = Import(cl);
        var a = Import(Layout("example.com/a").DependsOn("example.com/b", b.Id).DependsOn("example.com/c", c.Id));

        Assert.Equal(["example.com/a", "example.com/c", "example.com/d", "example.com/b", "example.com/d"], Flatten(a));
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["b"] = "file 0644 0:0 \"B\"",
            ["c"] = "file 0644 0:0 \"C\"",
            ["d1"] = "file 0644 0:0 \"D\"", // through B
            ["d2"] = "file 0644 0:0 \"D\"", // through C
        }, Render(a).Rootfs);
    }

    [Fact]
    public void Upper_images_override_types_modes_and_owners_and_shadow_what_lies_below_their_non_directories()
    {
        var lower = Import(Layout("example.com/base")
            .Dir("lib").File("lib/libc.so", "base-libc").File("lib/libm.so", "base-libm")
            .File("opt", "base-opt-file")
            .Dir("etc", "0700", 9, 9).File("etc/passwd", "base", "0600", 9, 9)
            .File("bin", "base-bin-is-a-file"));
        var upper = Import(Layout("example.com/app").DependsOn("example.com/base", lower.Id)
            .Symlink("lib", "usr/lib", 4, 4)            // symlink over a directory: the lower lib/* is shadowed
            .Dir("opt", "0751", 2, 3).File("opt/tool", "app")  // directory over a file
            .Dir("etc", "0755", 1, 1).File("etc/passwd", "app", "0644", 1, 1)
            .Dir("bin").File("bin/x", "x", "4711"));
        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["bin"] = "dir 0755 0:0",
            ["bin/x"] = "file 4711 0:0 \"x\"",
            ["etc"] = "dir 0755 1:1",
            ["etc/passwd"] = "file 0644 1:1 \"app\"",
            ["lib"] = "symlink 4:4 -> usr/lib",
            ["opt"] = "dir 0751 2:3",
            ["opt/tool"] = "file 0644 0:0 \"app\"",
        }, Render(upper).Rootfs);
    }

    [Fact]
    public void Every_file_type_mode_owner_and_mtime_survives_in_the_top_image_and_in_a_dependency()
    {
        AciLayout Types(AciLayout l, string p) => l
            .Dir($"{p}", "0755", 0, 0, 1_500_000_000)
            .Dir($"{p}/tmp", "1777", 0, 0, 1_500_000_001)
            .Dir($"{p}/shared", "2775", 100, 200, 1_500_000_002)
            .File($"{p}/suid", "suid", "4755", 0, 0, 1_500_000_003)
            .File($"{p}/sgid", "sgid", "2711", 0, 50, 1_500_000_004)
            .File($"{p}/private", "secret", "0600", 1000, 1000, 1_500_000_005)
            .HardLink($"{p}/private-link", $"{p}/private")
            .Symlink($"{p}/abs", "/etc/passwd", 5, 6, 1_500_000_006)
            .Symlink($"{p}/rel", "../x/y", 0, 0, 1_500_000_007)
            .Fifo($"{p}/fifo", "0620", 7, 8, 1_500_000_008)
            .Device($"{p}/null", false, 1, 3, "0666", 0, 0, 1_500_000_009)
            .Device($"{p}/loop9", true, 7, 9, "0660", 0, 6, 1_500_000_010);
        var dep = Import(Types(Layout("example.com/types-dep"), "dep"));
        var top = Import(Types(Layout("example.com/types-top"), "top").DependsOn("example.com/types-dep", dep.Id));

        var expected = new Dictionary<string, string>();
        foreach (string p in new[] { "dep", "top" })
        {
            expected[p] = "dir 0755 0:0 @1500000000";
            expected[$"{p}/tmp"] = "dir 1777 0:0 @1500000001";
            expected[$"{p}/shared"] = "dir 2775 100:200 @1500000002";
            expected[$"{p}/suid"] = "file 4755 0:0 \"suid\" @1500000003";
            expected[$"{p}/sgid"] = "file 2711 0:50 \"sgid\" @1500000004";
            expected[$"{p}/private"] = "file 0600 1000:1000 \"secret\" @1500000005";
            expected[$"{p}/private-link"] = $"hardlink {p}/private";
            expected[$"{p}/abs"] = "symlink 5:6 -> /etc/passwd @1500000006";
            expected[$"{p}/rel"] = "symlink 0:0 -> ../x/y @1500000007";
            expected[$"{p}/fifo"] = "fifo 0620 7:8 @1500000008";
            expected[$"{p}/null"] = "chardev 1,3 0666 0:0 @1500000009";
            expected[$"{p}/loop9"] = "blockdev 7,9 0660 0:6 @1500000010";
        }
        RenderedTree t = Render(top);
        TreeSnapshot.AssertTree(expected, t.Rootfs, times: true);
    }

    [Fact]
    public void Directory_times_survive_lower_images_adding_entries_and_implicit_parents_take_the_first_explicit_entry()
    {
        var lower = Import(Layout("example.com/lower")
            .Dir("etc", "0755", 0, 0, 1_400_000_000).File("etc/lower", "L", "0644", 0, 0, 1_400_000_001)
            .Dir("var", "0700", 5, 5, 1_400_000_002).Dir("var/lib", "0750", 6, 6, 1_400_000_003));
        // The upper tar has no entry for var or var/lib: the extractor makes them as implicit 0755 parents, and
        // the lower image's entries, the first explicit ones for those paths, then describe them.
        string manifest = TestAci.Manifest("example.com/upper", "1").Replace("\"labels\"", $"\"dependencies\":[{{\"imageName\":\"example.com/lower\",\"imageID\":\"{lower.Id}\"}}],\"labels\"");
        var tar = new TarBuilder()
            .File("manifest", manifest)
            .Dir("rootfs", mtime: DateTimeOffset.FromUnixTimeSeconds(1_300_000_000))
            .Dir("rootfs/etc", mtime: DateTimeOffset.FromUnixTimeSeconds(1_300_000_001))
            .File("rootfs/etc/upper", "U", mtime: DateTimeOffset.FromUnixTimeSeconds(1_300_000_002))
            .File("rootfs/var/lib/state", "S", mtime: DateTimeOffset.FromUnixTimeSeconds(1_300_000_003));
        var upper = _s.Import(tar.ToStream().ToArray(), "upper.aci");

        TreeSnapshot.AssertTree(new Dictionary<string, string>
        {
            ["etc"] = "dir 0755 0:0 @1300000001", // the upper's own time, although lower/etc/lower was added later
            ["etc/lower"] = "file 0644 0:0 \"L\" @1400000001",
            ["etc/upper"] = "file 0644 0:0 \"U\" @1300000002",
            ["var"] = "dir 0700 5:5 @1400000002",
            ["var/lib"] = "dir 0750 6:6 @1400000003",
            ["var/lib/state"] = "file 0644 0:0 \"S\" @1300000003",
        }, Render(upper).Rootfs, times: true);
        Assert.Equal(1_300_000_000L * 1_000_000_000, Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.Lstat(Render(upper).Rootfs).ModificationTime);
    }

    [Fact]
    public void User_and_capability_xattrs_of_a_dependency_survive_rendering()
    {
        // actool records no xattrs, so this dependency is written as a pax tar with SCHILY.xattr records.
        var tar = new TarBuilder()
            .File("manifest", TestAci.Manifest("example.com/xattrs", "1"))
            .Dir("rootfs")
            .File("rootfs/tagged", "t", pax: new Dictionary<string, string> { ["SCHILY.xattr.user.origin"] = "dep", ["SCHILY.xattr.trusted.no"] = "x" });
        var dep = _s.Import(tar.ToStream().ToArray(), "x.aci");
        var top = Import(Layout("example.com/top").DependsOn("example.com/xattrs", dep.Id).File("top", "T"));

        RenderedTree t = Render(top);
        var sys = Rkt.Engine.Native.Linux.LinuxSyscalls.Instance;
        string tagged = Path.Combine(t.Rootfs, "tagged");
        Assert.Equal("dep", Encoding.UTF8.GetString(sys.Lgetxattr(tagged, "user.origin")!));
        Assert.Null(sys.Lgetxattr(tagged, "trusted.no"));
    }
}
