// SPDX-License-Identifier: MIT
using System.Text;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Support;
using static Rkt.Engine.Tests.Support.TarBuilder;

namespace Rkt.Engine.Tests.Tree;

/// <summary>
/// Hostile and ordinary archives built at test time. Layout: <c>tmp/root</c> is the destination,
/// <c>tmp/outside</c> a sibling that hostile entries aim at; every hostile test asserts the world outside the
/// root is byte-for-byte what it was (same names, types, modes, sizes, times).
/// </summary>
public sealed class RootfsExtractorTests : IDisposable
{
    private static readonly LinuxSyscalls Sys = LinuxSyscalls.Instance;
    private readonly TempDir _tmp = new();
    private readonly string _root;
    private readonly string _outside;
    private readonly RootfsExtractor _extractor = new(LinuxSyscalls.Instance);
    private readonly List<string> _before;

    public RootfsExtractorTests()
    {
        _root = _tmp.Sub("root");
        _outside = _tmp.Sub("outside");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "sentinel"), "untouched");
        _before = SnapshotOutsideRoot();
    }

    public void Dispose() => _tmp.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ExtractResult Extract(TarBuilder tar, ExtractOptions? options = null) =>
        _extractor.Extract(tar.ToForwardOnlyStream(), _root, options ?? new ExtractOptions(), Ct);

    private ExtractResult Extract(Stream tar, ExtractOptions? options = null) =>
        _extractor.Extract(tar, _root, options ?? new ExtractOptions(), Ct);

    private UnsafeArchiveException Refused(TarBuilder tar, string errorId, ExtractOptions? options = null)
    {
        var e = Assert.Throws<UnsafeArchiveException>(() => Extract(tar, options));
        Assert.Equal(errorId, e.ErrorId);
        AssertOutsideUnchanged();
        return e;
    }

    /// <summary>Everything under tmp except the root, described by lstat (never following links).</summary>
    private List<string> SnapshotOutsideRoot()
    {
        var lines = new List<string>();
        void Walk(string dir)
        {
            foreach (string p in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
            {
                if (p == _root) continue;
                FileStatus st = Sys.Lstat(p);
                lines.Add($"{p} {st.Kind} {st.Mode} {st.UserId}:{st.GroupId} {st.Size} {st.ModificationTime} {st.LinkCount}");
                if (st.Kind == FileKind.Directory) Walk(p);
            }
        }
        Walk(_tmp.PathName);
        FileStatus self = Sys.Lstat(_tmp.PathName);
        lines.Add($"tmp {self.Mode} {self.ModificationTime}");
        return lines;
    }

    private void AssertOutsideUnchanged() => Assert.Equal(_before, SnapshotOutsideRoot());

    private string R(string rel) => Path.Combine(_root, rel);

    // ---------------------------------------------------------------- hostile names

    [Theory]
    [InlineData("rootfs/../../evil")]
    [InlineData("../evil")]
    [InlineData("rootfs/a/../../../evil")]
    [InlineData("./../evil")]
    public void Dotdot_components_are_refused(string name)
    {
        var e = Refused(new TarBuilder().Dir("rootfs").File(name, "pwned"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.Equal(name, e.EntryName);
        Assert.False(File.Exists(_tmp.Sub("evil")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_tmp.PathName)!, "evil")));
    }

    [Fact]
    public void Absolute_paths_are_refused()
    {
        string target = _tmp.Sub("outside", "abs-evil");
        var e = Refused(new TarBuilder().File(target, "pwned"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.Contains("absolute", e.Message);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void A_file_through_a_symlink_to_outside_is_refused()
    {
        var tar = new TarBuilder().Dir("rootfs").Symlink("rootfs/link", _outside).File("rootfs/link/evil", "pwned");
        Refused(tar, UnsafeArchiveException.UnsafeTarEntry);
        Assert.False(File.Exists(Path.Combine(_outside, "evil")));
        Assert.Equal(_outside, new FileInfo(R("rootfs/link")).LinkTarget); // the link itself is fine, verbatim
    }

    [Fact]
    public void A_file_through_a_symlink_is_skipped_when_not_overwriting()
    {
        var tar = new TarBuilder().Dir("rootfs").Symlink("rootfs/link", _outside)
            .File("rootfs/link/evil", "pwned").Dir("rootfs/link/sub").Fifo("rootfs/link/fifo");
        ExtractResult r = Extract(tar, new ExtractOptions { NoOverwrite = true });
        AssertOutsideUnchanged();
        Assert.Equal(
            [new("rootfs/link/evil", SkipReason.ShadowedByNonDirectory), new("rootfs/link/sub", SkipReason.ShadowedByNonDirectory), new("rootfs/link/fifo", SkipReason.ShadowedByNonDirectory)],
            r.Skipped);
        Assert.False(File.Exists(Path.Combine(_outside, "evil")));
    }

    [Fact]
    public void A_symlink_laid_by_an_earlier_layer_is_not_followed()
    {
        // Upper image: /lib -> /outside (absolute, as images often have). Lower image: /lib/libc.so.
        Extract(new TarBuilder().Dir("rootfs").Symlink("rootfs/lib", _outside), new ExtractOptions { NoOverwrite = true });
        ExtractResult lower = Extract(new TarBuilder().Dir("rootfs").Dir("rootfs/lib").File("rootfs/lib/libc.so", "elf"),
            new ExtractOptions { NoOverwrite = true });
        AssertOutsideUnchanged();
        Assert.Contains(new SkippedEntry("rootfs/lib/libc.so", SkipReason.ShadowedByNonDirectory), lower.Skipped);
        Assert.Contains(new SkippedEntry("rootfs/lib", SkipReason.Exists), lower.Skipped);
        Assert.Equal(FileKind.SymbolicLink, Sys.Lstat(R("rootfs/lib")).Kind);
    }

    [Fact]
    public void Symlink_dotdot_chains_are_stored_but_never_traversed()
    {
        var tar = new TarBuilder().Dir("rootfs").Dir("rootfs/d")
            .Symlink("rootfs/d/up", "../../..")
            .Symlink("rootfs/d/up2", "up/..")
            .File("rootfs/d/up/escaped", "pwned")
            .File("rootfs/d/up2/escaped2", "pwned");
        ExtractResult r = Extract(tar, new ExtractOptions { NoOverwrite = true });
        AssertOutsideUnchanged();
        Assert.Equal("../../..", new FileInfo(R("rootfs/d/up")).LinkTarget);
        Assert.Equal("up/..", new FileInfo(R("rootfs/d/up2")).LinkTarget);
        Assert.Equal(2, r.Skipped.Count(s => s.Reason == SkipReason.ShadowedByNonDirectory));
        Assert.False(File.Exists(_tmp.Sub("escaped")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_tmp.PathName)!, "escaped2"))); // where up2 points

        Refused(new TarBuilder().Symlink("x", "..").File("x/escaped", "pwned"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.False(File.Exists(_tmp.Sub("escaped")));
    }

    [Fact]
    public void A_directory_replaced_by_a_symlink_does_not_leak_writes_or_metadata()
    {
        var tar = new TarBuilder().Dir("rootfs").Dir("rootfs/d", mode: "0777", uid: 4242, mtime: new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .Symlink("rootfs/d", _outside);
        ExtractResult r = Extract(tar);
        AssertOutsideUnchanged(); // the pending 0777/mtime of the old directory did not land on the link target
        Assert.Equal(FileKind.SymbolicLink, Sys.Lstat(R("rootfs/d")).Kind);
        Assert.Equal(1, r.Symlinks);

        var throughIt = new TarBuilder().Dir("rootfs/e").Symlink("rootfs/e", _outside).File("rootfs/e/evil", "pwned");
        Refused(throughIt, UnsafeArchiveException.UnsafeTarEntry);
        Assert.False(File.Exists(Path.Combine(_outside, "evil")));
    }

    [Fact]
    public void A_non_empty_directory_is_not_replaced()
    {
        var tar = new TarBuilder().Dir("d").File("d/keep", "k").Symlink("d", _outside);
        var e = Refused(tar, UnsafeArchiveException.InvalidTarEntry);
        Assert.Contains("non-empty directory", e.Message);
        Assert.Equal("k", File.ReadAllText(R("d/keep")));
    }

    [Fact]
    public void A_file_over_an_existing_symlink_replaces_the_link_not_the_target()
    {
        string victim = Path.Combine(_outside, "sentinel");
        ExtractResult r = Extract(new TarBuilder().Symlink("f", victim).File("f", "new content"));
        AssertOutsideUnchanged();
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Equal(FileKind.RegularFile, Sys.Lstat(R("f")).Kind);
        Assert.Equal("new content", File.ReadAllText(R("f")));
        Assert.Equal((1, 1), (r.Files, r.Symlinks));

        // Not overwriting: the link stays and nothing is written through it.
        var again = Extract(new TarBuilder().Symlink("g", victim).File("g", "x"), new ExtractOptions { NoOverwrite = true });
        Assert.Equal([new SkippedEntry("g", SkipReason.Exists)], again.Skipped);
        Assert.Equal("untouched", File.ReadAllText(victim));
        AssertOutsideUnchanged();
    }

    // ---------------------------------------------------------------- hard links

    [Fact]
    public void Hard_link_to_an_absolute_host_path_is_refused()
    {
        ulong links = Sys.Lstat("/etc/passwd").LinkCount;
        Refused(new TarBuilder().Dir("rootfs").HardLink("rootfs/passwd", "/etc/passwd"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.False(File.Exists(R("rootfs/passwd")));
        Assert.Equal(links, Sys.Lstat("/etc/passwd").LinkCount);
    }

    [Fact]
    public void Hard_link_with_dotdot_is_refused()
    {
        Refused(new TarBuilder().HardLink("x", "../outside/sentinel"), UnsafeArchiveException.UnsafeTarEntry);
        Refused(new TarBuilder().HardLink("y", "../x"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.Equal(1UL, Sys.Lstat(Path.Combine(_outside, "sentinel")).LinkCount);
    }

    [Fact]
    public void Hard_link_through_a_symlink_is_refused()
    {
        ulong links = Sys.Lstat("/etc/passwd").LinkCount;
        var tar = new TarBuilder().Symlink("etc", "/etc").Symlink("out", _outside)
            .HardLink("pw", "etc/passwd");
        Refused(tar, UnsafeArchiveException.UnsafeTarEntry);
        Refused(new TarBuilder().HardLink("s", "out/sentinel"), UnsafeArchiveException.UnsafeTarEntry);
        Assert.Equal(links, Sys.Lstat("/etc/passwd").LinkCount);
        Assert.Equal(1UL, Sys.Lstat(Path.Combine(_outside, "sentinel")).LinkCount);
    }

    [Fact]
    public void Hard_link_must_point_to_an_extracted_regular_file()
    {
        Refused(new TarBuilder().HardLink("l", "missing"), UnsafeArchiveException.InvalidTarEntry);
        Refused(new TarBuilder().Dir("dir").HardLink("l2", "dir"), UnsafeArchiveException.InvalidTarEntry);
        Refused(new TarBuilder().Symlink("sl", _outside + "/sentinel").HardLink("l3", "sl"), UnsafeArchiveException.InvalidTarEntry);
        // filtered-out targets are not extracted, so the link fails (as in rkt)
        var filtered = new TarBuilder().File("a", "A").HardLink("b", "a");
        var e = Assert.Throws<UnsafeArchiveException>(() => Extract(filtered, new ExtractOptions { Filter = n => n != "a" }));
        Assert.Equal(UnsafeArchiveException.InvalidTarEntry, e.ErrorId);
        AssertOutsideUnchanged();
    }

    [Fact]
    public void Hard_links_inside_the_tree_share_the_inode()
    {
        ExtractResult r = Extract(new TarBuilder().Dir("rootfs").Dir("rootfs/bin").File("rootfs/bin/busybox", "BB", mode: "0755")
            .HardLink("rootfs/bin/sh", "rootfs/bin/busybox").HardLink("rootfs/ls", "./rootfs/bin/busybox"));
        FileStatus bb = Sys.Lstat(R("rootfs/bin/busybox"));
        Assert.Equal(bb.Inode, Sys.Lstat(R("rootfs/bin/sh")).Inode);
        Assert.Equal(bb.Inode, Sys.Lstat(R("rootfs/ls")).Inode);
        Assert.Equal(3UL, bb.LinkCount);
        Assert.Equal(2, r.HardLinks);
    }

    [Fact]
    public void Hard_link_targets_must_be_below_the_stripped_prefix()
    {
        var tar = new TarBuilder().File("manifest", "{}").Dir("rootfs").HardLink("rootfs/m", "manifest");
        var e = Assert.Throws<UnsafeArchiveException>(() => Extract(tar, new ExtractOptions { StripPrefix = "rootfs" }));
        Assert.Equal(UnsafeArchiveException.UnsafeTarEntry, e.ErrorId);
        Assert.False(File.Exists(R("m")));
    }

    // ---------------------------------------------------------------- special files and metadata

    [Fact]
    [Trait("Category", "Privileged")]
    public void Device_nodes_are_created_only_when_allowed()
    {
        Privileged.RequireRoot();
        var tar = new TarBuilder().Dir("dev").CharDevice("dev/null", 1, 3, "0666").BlockDevice("dev/loop0", 7, 0, "0660");
        ExtractResult none = Extract(tar, new ExtractOptions());
        Assert.False(File.Exists(R("dev/null")));
        Assert.Equal([new("dev/null", SkipReason.DeviceNotPermitted), new("dev/loop0", SkipReason.DeviceNotPermitted)], none.Skipped);

        ExtractResult made = Extract(tar, new ExtractOptions { CreateDevices = true, PreserveOwnership = true });
        FileStatus n = Sys.Lstat(R("dev/null"));
        Assert.Equal((FileKind.CharacterDevice, 1u, 3u, Mode("0666")), (n.Kind, n.DeviceMajor, n.DeviceMinor, n.Permissions));
        FileStatus b = Sys.Lstat(R("dev/loop0"));
        Assert.Equal((FileKind.BlockDevice, 7u, 0u, Mode("0660")), (b.Kind, b.DeviceMajor, b.DeviceMinor, b.Permissions));
        Assert.Equal(2, made.SpecialFiles);
    }

    [Fact]
    public void Fifos_are_created_with_their_mode()
    {
        ExtractResult r = Extract(new TarBuilder().Fifo("run/fifo", "0620"));
        FileStatus st = Sys.Lstat(R("run/fifo"));
        Assert.Equal(FileKind.Fifo, st.Kind);
        Assert.Equal(Mode("0620"), st.Permissions);
        Assert.Equal(1, r.SpecialFiles);
        Assert.Equal(Mode("0755"), Sys.Lstat(R("run")).Permissions); // implicit parent, exact 0755
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Setuid_setgid_and_sticky_survive_chown()
    {
        Privileged.RequireRoot();
        var tar = new TarBuilder()
            .Dir("tmp", mode: "1777")
            .Dir("shared", mode: "2775", uid: 1000, gid: 50)
            .File("bin/su", "su", mode: "4755", uid: 0, gid: 0)
            .File("bin/mine", "x", mode: "6750", uid: 1000, gid: 1000);
        Extract(tar, new ExtractOptions { PreserveOwnership = true });
        Assert.Equal(Mode("1777"), Sys.Lstat(R("tmp")).Permissions);
        Assert.Equal(Mode("2775"), Sys.Lstat(R("shared")).Permissions);
        Assert.Equal(Mode("4755"), Sys.Lstat(R("bin/su")).Permissions);
        FileStatus mine = Sys.Lstat(R("bin/mine"));
        Assert.Equal((Mode("6750"), 1000u, 1000u), (mine.Permissions, mine.UserId, mine.GroupId));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Ownership_is_preserved_on_every_kind_and_symlinks_are_lchowned()
    {
        Privileged.RequireRoot();
        var tar = new TarBuilder()
            .Dir("home", uid: 1001, gid: 1002)
            .File("home/f", "x", uid: 1003, gid: 1004)
            .Symlink("home/l", "f", uid: 1005, gid: 1006)
            .Fifo("home/p", uid: 1007, gid: 1008);
        Extract(tar, new ExtractOptions { PreserveOwnership = true });
        Assert.Equal((1001u, 1002u), Owner("home"));
        Assert.Equal((1003u, 1004u), Owner("home/f"));
        Assert.Equal((1005u, 1006u), Owner("home/l"));
        Assert.Equal((1007u, 1008u), Owner("home/p"));

        using var other = new TempDir();
        new RootfsExtractor(Sys).Extract(tar.ToStream(), other.PathName, new ExtractOptions { PreserveOwnership = false }, Ct);
        Assert.Equal((0u, 0u), (Sys.Lstat(Path.Combine(other.PathName, "home/f")).UserId, Sys.Lstat(Path.Combine(other.PathName, "home/f")).GroupId));
    }

    private (uint, uint) Owner(string rel)
    {
        FileStatus st = Sys.Lstat(R(rel));
        return (st.UserId, st.GroupId);
    }

    [Fact]
    public void Times_are_preserved_and_directories_are_stamped_last()
    {
        var dirTime = new DateTimeOffset(2003, 3, 3, 3, 3, 3, TimeSpan.Zero);
        var fileTime = DefaultTime.AddTicks(1_234_567); // sub-second, written as a pax mtime record
        var tar = new TarBuilder()
            .Dir("d", mtime: dirTime) // its mtime must survive the entries created in it afterwards
            .File("d/f", "x", mtime: fileTime)
            .Symlink("d/l", "f", mtime: new DateTimeOffset(2005, 5, 5, 5, 5, 5, TimeSpan.Zero))
            .Fifo("d/p");
        Extract(tar);
        Assert.Equal(UnixTime.ToNanoseconds(fileTime), Sys.Lstat(R("d/f")).ModificationTime);
        Assert.Equal(UnixTime.ToNanoseconds(new DateTimeOffset(2005, 5, 5, 5, 5, 5, TimeSpan.Zero)), Sys.Lstat(R("d/l")).ModificationTime);
        Assert.Equal(UnixTime.ToNanoseconds(DefaultTime), Sys.Lstat(R("d/p")).ModificationTime);
        Assert.Equal(UnixTime.ToNanoseconds(dirTime), Sys.Lstat(R("d")).ModificationTime);
        Assert.Equal(UnixTime.ToNanoseconds(dirTime), Sys.Lstat(R("d")).AccessTime); // atime defaults to mtime
    }

    [Fact]
    public void Pax_times_are_applied_to_the_nanosecond()
    {
        using MemoryStream tar = new RawTar()
            .Pax("f", ("mtime", "1500000000.123456789"u8.ToArray()), ("atime", "1400000000.5"u8.ToArray()))
            .Entry('0', "f", "x"u8.ToArray())
            .ToStream();
        Extract(tar);
        FileStatus f = Sys.Lstat(R("f"));
        Assert.Equal(1_500_000_000_123_456_789, f.ModificationTime);
        Assert.Equal(1_400_000_000_500_000_000, f.AccessTime);
    }

    [Fact]
    public void Read_only_directories_still_receive_their_entries()
    {
        Extract(new TarBuilder().Dir("ro", mode: "0555").File("ro/f", "x", mode: "0444"));
        Assert.Equal(Mode("0555"), Sys.Lstat(R("ro")).Permissions);
        Assert.Equal("x", File.ReadAllText(R("ro/f")));
        Assert.Equal(Mode("0444"), Sys.Lstat(R("ro/f")).Permissions);
        Sys.Chmod(R("ro"), Mode("0755")); // let TempDir clean up when not root
    }

    [Fact]
    public void User_xattrs_are_restored_and_others_ignored()
    {
        var tar = new TarBuilder().File("f", "x", pax: new()
        {
            ["SCHILY.xattr.user.mime_type"] = "text/plain",
            ["SCHILY.xattr.trusted.evil"] = "no",
            ["SCHILY.xattr.security.selinux"] = "system_u:object_r:etc_t:s0",
            ["LIBARCHIVE.xattr.user.from%20bsdtar"] = Convert.ToBase64String([0, 0x80, 0xFF]),
        });
        Extract(tar);
        Assert.Equal("text/plain"u8.ToArray(), Sys.Lgetxattr(R("f"), "user.mime_type")!);
        Assert.Equal([0, 0x80, 0xFF], Sys.Lgetxattr(R("f"), "user.from bsdtar")!);
        Assert.Null(Sys.Lgetxattr(R("f"), "trusted.evil"));
        Assert.DoesNotContain("security.selinux", Sys.Llistxattr(R("f")).Where(n => Sys.Lgetxattr(R("f"), n) is { } v && Encoding.UTF8.GetString(v).Contains("etc_t")));

        var noXattrs = new RootfsExtractor(Sys);
        using var other = new TempDir();
        noXattrs.Extract(tar.ToStream(), other.PathName, new ExtractOptions { RestoreXattrs = false }, Ct);
        Assert.Null(Sys.Lgetxattr(Path.Combine(other.PathName, "f"), "user.mime_type"));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Binary_file_capabilities_are_restored_byte_exact()
    {
        Privileged.RequireRoot();
        // VFS_CAP_REVISION_2 | EFFECTIVE, permitted = CAP_SETUID (bit 7 = 0x80, not valid UTF-8 on its own)
        byte[] caps = [0x01, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        using MemoryStream tar = new RawTar()
            .Pax("ping", ("SCHILY.xattr.security.capability", caps), ("SCHILY.xattr.user.blob", [0xC3, 0x28, 0xA0]))
            .Entry('0', "ping", "ELF"u8.ToArray(), mode: "0755")
            .ToStream();
        ExtractResult r = Extract(tar);
        Assert.Equal(1, r.Files);
        Assert.Equal(caps, Sys.Lgetxattr(R("ping"), "security.capability")!);
        Assert.Equal([0xC3, 0x28, 0xA0], Sys.Lgetxattr(R("ping"), "user.blob")!);
        Assert.Equal("ELF", File.ReadAllText(R("ping")));
    }

    // ---------------------------------------------------------------- options and bookkeeping

    [Fact]
    public void Filter_sees_cleaned_names_and_skips_are_reported()
    {
        var seen = new List<string>();
        var tar = new TarBuilder().Dir("./rootfs/").Dir("rootfs//bin/").File("./rootfs/bin/sh", "sh").File("rootfs/etc/shadow", "x").File("manifest", "{}");
        ExtractResult r = Extract(tar, new ExtractOptions { Filter = n => { seen.Add(n); return n != "rootfs/etc/shadow"; } });
        Assert.Equal(["rootfs", "rootfs/bin", "rootfs/bin/sh", "rootfs/etc/shadow", "manifest"], seen);
        Assert.Equal([new SkippedEntry("rootfs/etc/shadow", SkipReason.Filtered)], r.Skipped);
        Assert.True(File.Exists(R("rootfs/bin/sh")));
        Assert.False(File.Exists(R("rootfs/etc/shadow")));
        Assert.False(Directory.Exists(R("rootfs/etc")));
        Assert.Equal((2, 2, 4L), (r.Files, r.Directories, r.Bytes)); // "sh" + "{}"
    }

    [Fact]
    public void Strip_prefix_maps_rootfs_onto_the_destination()
    {
        var tar = new TarBuilder().File("manifest", "{}").Dir("rootfs", mode: "0750").Dir("rootfs/etc").File("rootfs/etc/hostname", "pod");
        ExtractResult r = Extract(tar, new ExtractOptions { StripPrefix = "rootfs/" });
        Assert.Equal("pod", File.ReadAllText(R("etc/hostname")));
        Assert.False(File.Exists(R("manifest")));
        Assert.Equal([new SkippedEntry("manifest", SkipReason.OutsidePrefix)], r.Skipped);
        Assert.Equal(Mode("0750"), Sys.Lstat(_root).Permissions); // the prefix directory's metadata lands on the root
    }

    [Fact]
    public void No_overwrite_keeps_what_an_upper_layer_wrote()
    {
        Extract(new TarBuilder().Dir("etc", mode: "0700").File("etc/os-release", "upper"), new ExtractOptions { NoOverwrite = true });
        ExtractResult lower = Extract(new TarBuilder().Dir("etc", mode: "0755").File("etc/os-release", "lower").File("etc/passwd", "root:x:0:0"),
            new ExtractOptions { NoOverwrite = true });
        Assert.Equal("upper", File.ReadAllText(R("etc/os-release")));
        Assert.Equal("root:x:0:0", File.ReadAllText(R("etc/passwd")));
        Assert.Equal(Mode("0700"), Sys.Lstat(R("etc")).Permissions);
        Assert.Equal([new("etc", SkipReason.Exists), new("etc/os-release", SkipReason.Exists)], lower.Skipped);
    }

    [Fact]
    public void Overwrite_lets_later_entries_win()
    {
        ExtractResult r = Extract(new TarBuilder().File("f", "first").File("f", "second").Dir("d", mode: "0700").Dir("d", mode: "0711"));
        Assert.Equal("second", File.ReadAllText(R("f")));
        Assert.Equal(Mode("0711"), Sys.Lstat(R("d")).Permissions);
        Assert.Equal(2, r.Files);
    }

    [Fact]
    public void Pax_global_headers_are_ignored()
    {
        ExtractResult r = Extract(new TarBuilder().GlobalHeader(new() { ["comment"] = "hello" }).File("f", "x"));
        Assert.Equal(1, r.Files);
        Assert.Equal(["f"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void Unsupported_entry_types_are_refused()
    {
        using MemoryStream tar = new RawTar().Entry('D', "dumpdir", mode: "0755").ToStream();
        var e = Assert.Throws<UnsafeArchiveException>(() => Extract(tar));
        Assert.Equal(UnsafeArchiveException.UnsupportedTarEntry, e.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Truncated_archives_are_reported_as_corrupt()
    {
        byte[] whole = new TarBuilder().File("big", new string('x', 5000)).ToStream().ToArray();
        using var truncated = new MemoryStream(whole[..2048]);
        var e = Assert.Throws<UnsafeArchiveException>(() => Extract(truncated));
        Assert.Equal(UnsafeArchiveException.CorruptArchive, e.ErrorId);
    }

    [Fact]
    public void The_root_can_only_be_a_directory()
    {
        Refused(new TarBuilder().File("./", "x"), UnsafeArchiveException.InvalidTarEntry);
        Refused(new TarBuilder().Symlink("rootfs", "/"), UnsafeArchiveException.InvalidTarEntry, new ExtractOptions { StripPrefix = "rootfs" });
        Assert.Equal(FileKind.Directory, Sys.Lstat(_root).Kind);
    }

    [Fact]
    public void Cancellation_stops_before_writing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            _extractor.Extract(new TarBuilder().File("f", "x").ToStream(), _root, new ExtractOptions(), cts.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Destination_must_be_an_existing_directory_not_a_symlink()
    {
        string link = _tmp.Sub("rootlink");
        File.CreateSymbolicLink(link, _outside);
        Assert.Throws<DirectoryNotFoundException>(() => _extractor.Extract(new TarBuilder().File("f", "x").ToStream(), link, new ExtractOptions(), Ct));
        Assert.False(File.Exists(Path.Combine(_outside, "f")));
    }

    [Fact]
    public void Pax_times_parse_exactly()
    {
        Assert.True(RootfsExtractor.TryParsePaxTime("1500000000.123456789123", out long a));
        Assert.Equal(1_500_000_000_123_456_789, a);
        Assert.True(RootfsExtractor.TryParsePaxTime("-1.5", out long b));
        Assert.Equal(-1_500_000_000, b);
        Assert.True(RootfsExtractor.TryParsePaxTime("7", out long c));
        Assert.Equal(7_000_000_000, c);
        Assert.False(RootfsExtractor.TryParsePaxTime("1e9", out _));
        Assert.False(RootfsExtractor.TryParsePaxTime("", out _));
    }
}
