// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Support;

namespace Rkt.Engine.Tests.Tree;

public sealed class TreeCopierTests : IDisposable
{
    private static readonly LinuxSyscalls Sys = LinuxSyscalls.Instance;
    private readonly TempDir _tmp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _tmp.Dispose();

    private static TarBuilder SampleTree(bool privileged)
    {
        var tar = new TarBuilder()
            .Dir("bin", mode: "0755", mtime: new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .File("bin/busybox", "BUSYBOX", mode: "0755", pax: new() { ["SCHILY.xattr.user.origin"] = "test" })
            .HardLink("bin/sh", "bin/busybox")
            .HardLink("bin/ls", "bin/busybox")
            .Symlink("etc", "/etc")                  // absolute: must be copied as a link, not followed
            .Symlink("lib", "usr/lib")
            .Dir("ro", mode: "0555")
            .File("ro/data", "readonly", mode: "0444")
            .Dir("tmp", mode: "1777")
            .Fifo("run/initctl", "0600")
            .File("empty", "", mode: "0600");
        if (privileged)
        {
            tar.File("bin/su", "su", mode: "4755")
               .Dir("home/user", uid: 1000, gid: 1000, mode: "0700")
               .File("home/user/.profile", "PS1=$", uid: 1000, gid: 1000)
               .Symlink("home/user/link", ".profile", uid: 1000, gid: 1001)
               .CharDevice("dev/null", 1, 3, "0666")
               .BlockDevice("dev/loop0", 7, 0);
        }
        return tar;
    }

    /// <summary>lstat-level description of a tree (atime excluded: reading the source for the copy updates it).</summary>
    private static List<string> Describe(string root)
    {
        var lines = new List<string>();
        var firstPathOfInode = new Dictionary<ulong, string>();
        void Walk(string dir, string rel)
        {
            foreach (string p in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
            {
                string r = rel.Length == 0 ? Path.GetFileName(p) : rel + "/" + Path.GetFileName(p);
                FileStatus st = Sys.Lstat(p);
                string extra = st.Kind switch
                {
                    FileKind.SymbolicLink => "-> " + new FileInfo(p).LinkTarget,
                    FileKind.RegularFile => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))[..16] + " xattrs=" +
                        string.Join(",", Sys.Llistxattr(p).Where(n => n.StartsWith("user.")).Order().Select(n => n + "=" + Convert.ToHexString(Sys.Lgetxattr(p, n)!))),
                    FileKind.CharacterDevice or FileKind.BlockDevice => $"{st.DeviceMajor}:{st.DeviceMinor}",
                    _ => "",
                };
                string link = "";
                if (st.Kind == FileKind.RegularFile && st.LinkCount > 1)
                {
                    if (firstPathOfInode.TryGetValue(st.Inode, out string? first)) link = " linkof=" + first;
                    else { firstPathOfInode[st.Inode] = r; link = " nlink=" + st.LinkCount; }
                }
                lines.Add($"{r} {st.Kind} {Convert.ToString((int)st.Permissions, 8)} {st.UserId}:{st.GroupId} {st.Size} mtime={st.ModificationTime} {extra}{link}");
                if (st.Kind == FileKind.Directory) Walk(p, r);
            }
        }
        FileStatus top = Sys.Lstat(root);
        lines.Add($". {Convert.ToString((int)top.Permissions, 8)} {top.UserId}:{top.GroupId} mtime={top.ModificationTime}");
        Walk(root, "");
        return lines;
    }

    [Fact]
    public void Copies_a_tree_without_following_anything()
    {
        string src = _tmp.Sub("src"), dst = _tmp.Sub("dst");
        Directory.CreateDirectory(src);
        new RootfsExtractor(Sys).Extract(SampleTree(privileged: false).ToStream(), src, new ExtractOptions(), Ct);

        TreeCopyResult r = new TreeCopier(Sys).Copy(src, dst, new TreeCopyOptions { PreserveOwnership = false }, Ct);

        Assert.Equal(Describe(src), Describe(dst));
        Assert.Equal(FileKind.SymbolicLink, Sys.Lstat(Path.Combine(dst, "etc")).Kind);
        Assert.Equal(Sys.Lstat(Path.Combine(dst, "bin/busybox")).Inode, Sys.Lstat(Path.Combine(dst, "bin/sh")).Inode);
        Assert.NotEqual(Sys.Lstat(Path.Combine(src, "bin/busybox")).Inode, Sys.Lstat(Path.Combine(dst, "bin/busybox")).Inode);
        Assert.Equal((3, 5, 2, 2, 1), (r.Files, r.Directories, r.Symlinks, r.HardLinks, r.SpecialFiles)); // dirs: root, bin, ro, tmp, run
        Assert.Equal("BUSYBOX".Length + "readonly".Length, r.Bytes);
        Sys.Chmod(Path.Combine(src, "ro"), TarBuilder.Mode("0755"));
        Sys.Chmod(Path.Combine(dst, "ro"), TarBuilder.Mode("0755"));
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void Preserves_owners_devices_and_setuid_as_root()
    {
        Privileged.RequireRoot();
        string src = _tmp.Sub("src"), dst = _tmp.Sub("dst");
        Directory.CreateDirectory(src);
        new RootfsExtractor(Sys).Extract(SampleTree(privileged: true).ToStream(), src,
            new ExtractOptions { PreserveOwnership = true, CreateDevices = true }, Ct);
        Sys.Lchown(src, 123, 456);

        new TreeCopier(Sys).Copy(src, dst, new TreeCopyOptions(), Ct);

        List<string> expected = Describe(src), actual = Describe(dst);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, l => l.StartsWith("bin/su RegularFile 4755 0:0"));
        Assert.Contains(actual, l => l.StartsWith("home/user/link SymbolicLink 777 1000:1001"));
        Assert.Contains(actual, l => l.StartsWith("dev/null CharacterDevice 666 0:0") && l.EndsWith("1:3"));
        Assert.StartsWith(". 755 123:456", actual[0]);
    }

    [Fact]
    public void Refuses_an_existing_destination()
    {
        string src = _tmp.Sub("src"), dst = _tmp.Sub("dst");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(dst);
        var e = Assert.Throws<NativeCallException>(() => new TreeCopier(Sys).Copy(src, dst, null, Ct));
        Assert.Equal(Errno.EEXIST, e.Errno);
    }
}
