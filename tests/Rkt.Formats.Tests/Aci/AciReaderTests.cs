// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using System.Text;
using Rkt.Formats.Aci;
using Rkt.Formats.Appc;
using Rkt.Formats.Tests.Support;

namespace Rkt.Formats.Tests.Aci;

public sealed class AciReaderTests
{
    private static AciScan Scan(byte[] tar, bool seekable = true) =>
        AciReader.Scan(seekable ? new MemoryStream(tar) : new NonSeekableStream(new MemoryStream(tar)), TestContext.Current.CancellationToken);

    private static InvalidAciException Invalid(byte[] tar, string errorId, bool seekable = true)
    {
        var e = Assert.Throws<InvalidAciException>(() => Scan(tar, seekable));
        Assert.Equal(errorId, e.ErrorId);
        return e;
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax, true)]
    [InlineData(TarEntryFormat.Pax, false)]
    [InlineData(TarEntryFormat.Ustar, true)]
    [InlineData(TarEntryFormat.Gnu, false)]
    [InlineData(TarEntryFormat.V7, true)]
    public void Valid_aci_scans(TarEntryFormat format, bool seekable)
    {
        byte[] tar = TarBuilder.ValidAci().Symlink("rootfs/bin/sh", "tiny").HardLink("rootfs/bin/tiny2", "rootfs/bin/tiny").Build(format);
        AciScan s = Scan(tar, seekable);
        Assert.Equal("example.com/tiny", s.Manifest.Name.Value);
        Assert.Equal(TarBuilder.MinimalManifest, Encoding.UTF8.GetString(s.ManifestJson));
        Assert.Equal(6, s.EntryCount);
        Assert.Equal("#!/bin/sh\necho tiny\n".Length, s.ContentBytes);
    }

    [Fact]
    public void Manifest_may_come_after_rootfs()
    {
        byte[] tar = new TarBuilder().Dir("rootfs").File("rootfs/a", "abc").File("manifest", TarBuilder.MinimalManifest).Build();
        AciScan s = Scan(tar, seekable: false);
        Assert.Equal(3, s.EntryCount);
        Assert.Equal(3, s.ContentBytes);
    }

    [Theory]
    [InlineData("./manifest", "./rootfs", "./rootfs/bin/tiny")]
    [InlineData("manifest", "rootfs/", "rootfs//bin/./tiny")]
    public void Names_are_normalized(string manifest, string rootfs, string file)
    {
        byte[] tar = new TarBuilder().Dir("./").File(manifest, TarBuilder.MinimalManifest).Dir(rootfs).File(file, "x").Build();
        Assert.Equal(1, Scan(tar).ContentBytes);
    }

    [Fact]
    public void Pax_global_headers_are_skipped()
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "hi" }));
            using var r = new TarReader(new MemoryStream(TarBuilder.ValidAci().Build()));
            while (r.GetNextEntry() is { } e) w.WriteEntry(e);
        }
        Assert.Equal(4, Scan(ms.ToArray()).EntryCount);
    }

    [Fact]
    public void Missing_manifest()
    {
        byte[] tar = new TarBuilder().Dir("rootfs").File("rootfs/a", "x").Build();
        var e = Invalid(tar, "ManifestMissing");
        Assert.Equal("the image has no manifest entry", e.Message);
    }

    [Fact]
    public void Empty_tar_has_no_manifest() => Invalid(new TarBuilder().Build(), "ManifestMissing");

    [Theory]
    [InlineData("../x")]
    [InlineData("rootfs/../../x")]
    [InlineData("rootfs/a/../../../etc/passwd")]
    [InlineData("/abs")]
    [InlineData("/rootfs/etc/passwd")]
    public void Unsafe_entry_names(string name)
    {
        byte[] tar = TarBuilder.ValidAci().File(name, "evil").Build();
        var e = Invalid(tar, "UnsafeTarEntry");
        Assert.Contains($"\"{name}\"", e.Message);
    }

    [Theory]
    [InlineData("etc/passwd")]
    [InlineData("rootfsx/a")]
    [InlineData("manifest/x")]
    [InlineData("signature")]
    public void Entries_outside_the_layout(string name)
    {
        byte[] tar = TarBuilder.ValidAci().File(name, "x").Build();
        var e = Invalid(tar, "InvalidArchive");
        Assert.Contains("outside the ACI layout", e.Message);
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("../etc/shadow")]
    [InlineData("manifest")]
    [InlineData("rootfs/../../etc/shadow")]
    [InlineData("etc/shadow")]
    public void Hard_link_outside_rootfs(string target)
    {
        byte[] tar = TarBuilder.ValidAci().HardLink("rootfs/shadow", target).Build();
        var e = Invalid(tar, "UnsafeTarEntry");
        Assert.Contains("points outside rootfs", e.Message);
    }

    [Fact]
    public void Symlinks_may_point_anywhere_their_target_is_data() =>
        Assert.Equal(5, Scan(TarBuilder.ValidAci().Symlink("rootfs/etc", "/etc").Build()).EntryCount);

    [Fact]
    public void Rootfs_must_be_a_directory()
    {
        byte[] tar = new TarBuilder().File("manifest", TarBuilder.MinimalManifest).Symlink("rootfs", "/").File("rootfs/etc/x", "x").Build();
        var e = Invalid(tar, "InvalidArchive");
        Assert.Equal("the rootfs entry is not a directory", e.Message);
    }

    [Fact]
    public void Manifest_must_be_a_regular_file()
    {
        byte[] tar = new TarBuilder().Symlink("manifest", "rootfs/m").Dir("rootfs").Build();
        Assert.Equal("the manifest entry is not a regular file", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void A_second_manifest_is_rejected()
    {
        byte[] tar = TarBuilder.ValidAci().File("./manifest", TarBuilder.MinimalManifest.Replace("tiny\"", "other\"")).Build();
        Assert.Equal("the archive has more than one manifest entry", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void Duplicate_entries_are_rejected()
    {
        byte[] tar = TarBuilder.ValidAci().File("./rootfs/bin/tiny", "replacement").Build();
        Assert.Equal("tar entry \"./rootfs/bin/tiny\" appears more than once", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void Entries_beneath_a_symlink_are_unsafe()
    {
        byte[] tar = TarBuilder.ValidAci().Symlink("rootfs/etc", "/etc").File("rootfs/etc/passwd", "root::0:0::/:/bin/sh\n").Build();
        var e = Invalid(tar, "UnsafeTarEntry");
        Assert.Equal("tar entry \"rootfs/etc/passwd\" lies beneath \"rootfs/etc\", which is not a directory", e.Message);
    }

    [Fact]
    public void Entries_beneath_a_file_are_unsafe() =>
        Invalid(TarBuilder.ValidAci().File("rootfs/bin/tiny/x", "x").Build(), "UnsafeTarEntry");

    [Fact]
    public void Hard_link_to_a_later_entry_is_invalid()
    {
        byte[] tar = new TarBuilder().File("manifest", TarBuilder.MinimalManifest).Dir("rootfs").HardLink("rootfs/a", "rootfs/b").File("rootfs/b", "b").Build();
        Assert.Contains("must point to an earlier file entry", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void Hard_link_to_a_directory_is_invalid() =>
        Invalid(TarBuilder.ValidAci().HardLink("rootfs/bin2", "rootfs/bin").Build(), "InvalidArchive");

    [Fact]
    public void Archive_without_rootfs_is_invalid()
    {
        byte[] tar = new TarBuilder().File("manifest", TarBuilder.MinimalManifest).Build();
        Assert.Equal("the image has no rootfs directory", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void Root_entry_must_be_a_directory() =>
        Invalid(TarBuilder.ValidAci().File("./", "x").Build(), "InvalidArchive");

    [Fact]
    public void Random_damage_never_escapes_as_an_unexpected_exception()
    {
        byte[] good = TarBuilder.ValidAci().File("rootfs/data", new byte[3000]).Symlink("rootfs/l", "data").Build(TarEntryFormat.Ustar);
        var rnd = new Random(2024);
        int rejected = 0;
        for (int round = 0; round < 400; round++)
        {
            byte[] bad = (byte[])good.Clone();
            int flips = rnd.Next(1, 6);
            for (int f = 0; f < flips; f++)
            {
                int block = rnd.Next(bad.Length / 512);
                bad[block * 512 + rnd.Next(512)] = (byte)rnd.Next(256);
            }
            if (rnd.Next(4) == 0) bad = bad[..rnd.Next(bad.Length)];
            try
            {
                Scan(bad, seekable: round % 2 == 0);
            }
            catch (InvalidAciException) { rejected++; }
            catch (ManifestException) { rejected++; }
        }
        Assert.True(rejected > 0); // the damage was noticed at least sometimes; nothing else was thrown
    }

    [Fact]
    public void Oversized_manifest_is_rejected()
    {
        byte[] tar = new TarBuilder().File("manifest", new byte[AciReader.MaxManifestBytes + 1]).Build();
        Assert.StartsWith("the manifest is larger than", Invalid(tar, "InvalidArchive").Message);
    }

    [Fact]
    public void Manifest_failing_validation_surfaces_ManifestException()
    {
        byte[] tar = TarBuilder.ValidAci(TarBuilder.MinimalManifest.Replace("\"user\":\"0\",", "")).Build();
        var e = Assert.Throws<ManifestException>(() => Scan(tar));
        Assert.Equal("app.user", e.Field);
    }

    [Fact]
    public void Manifest_that_is_not_json_surfaces_ManifestException()
    {
        byte[] tar = TarBuilder.ValidAci("this is not json").Build();
        var e = Assert.Throws<ManifestException>(() => Scan(tar));
        Assert.Equal("", e.Field);
        Assert.StartsWith("the image manifest is not valid JSON", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_inside_file_data(bool seekable)
    {
        byte[] tar = TarBuilder.ValidAci().File("rootfs/big", new byte[10_000]).Build(TarEntryFormat.Ustar);
        // Cut in the middle of rootfs/big's data.
        var e = Invalid(tar[..(tar.Length - 1024 - 5000)], "InvalidArchive", seekable);
        Assert.StartsWith("the image tar is corrupt or truncated", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_inside_a_header(bool seekable)
    {
        byte[] tar = TarBuilder.ValidAci().Build(TarEntryFormat.Ustar);
        // The first header is 512 bytes and the manifest data follows; keep the manifest, cut the next header.
        int manifestBlocks = (TarBuilder.MinimalManifest.Length + 511) / 512;
        Invalid(tar[..(512 + manifestBlocks * 512 + 100)], "InvalidArchive", seekable);
    }

    [Fact]
    public void Bad_header_checksum_is_InvalidArchive()
    {
        byte[] tar = TarBuilder.ValidAci().Build(TarEntryFormat.Ustar);
        tar[148] ^= 0x01; // checksum field of the first header
        tar[0] ^= 0x20;   // and the name, so the stored checksum no longer matches
        Invalid(tar, "InvalidArchive");
    }

    [Fact]
    public void Garbage_is_InvalidArchive()
    {
        byte[] junk = new byte[4096];
        new Random(7).NextBytes(junk);
        Invalid(junk, "InvalidArchive");
    }

    [Fact]
    public void Cancellation_is_honoured()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => AciReader.Scan(new MemoryStream(TarBuilder.ValidAci().Build()), cts.Token));
    }

    [Fact]
    public void Scan_leaves_the_stream_open()
    {
        var ms = new MemoryStream(TarBuilder.ValidAci().Build());
        AciReader.Scan(ms, TestContext.Current.CancellationToken);
        Assert.True(ms.CanRead);
    }

    [Theory]
    [InlineData("manifest", "manifest")]
    [InlineData("./rootfs//a/", "rootfs/a")]
    [InlineData("./", ".")]
    [InlineData("rootfs/./b", "rootfs/b")]
    [InlineData("../a", null)]
    [InlineData("a/../b", null)]
    [InlineData("/a", null)]
    [InlineData("", null)]
    [InlineData("a\0b", null)]
    public void CleanName(string name, string? expected) => Assert.Equal(expected, AciReader.CleanName(name));
}
