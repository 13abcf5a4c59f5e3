// SPDX-License-Identifier: MIT
using System.IO.Compression;
using Rkt.Formats.Aci;
using Rkt.Formats.Tests.Support;

namespace Rkt.Formats.Tests.Aci;

/// <summary>Compression sniffing and decompression, with data compressed at test time by .NET and the Debian tools.</summary>
public sealed class AciFormatTests
{
    private static readonly byte[] Tar = BuildTar();

    private static byte[] BuildTar()
    {
        // Incompressible-ish content large enough to span several compressor blocks.
        var rnd = new Random(1234);
        byte[] blob = new byte[300_000];
        rnd.NextBytes(blob);
        return TarBuilder.ValidAci().File("rootfs/blob", blob).File("rootfs/text", new string('x', 100_000)).Build();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] Compressed(AciCompression c) => c switch
    {
        AciCompression.None => Tar,
        AciCompression.Gzip => Gzip(Tar),
        AciCompression.Bzip2 => ExternalTool.Compress("bzip2", Tar),
        AciCompression.Xz => ExternalTool.Compress("xz", Tar),
        AciCompression.Zstd => ExternalTool.Compress("zstd", Tar),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>Decoders that read ahead (bzip2 reads its first block) may already fail in OpenDecompressed.</summary>
    private static byte[] OpenAndReadAll(byte[] data)
    {
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream(data), out _);
        return ReadAll(s);
    }

    private static byte[] ReadAll(Stream s)
    {
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(AciCompression.None)]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void Detect_recognizes_each_format(AciCompression expected)
    {
        byte[] data = Compressed(expected);
        Assert.Equal(expected == AciCompression.None, data.AsSpan().SequenceEqual(Tar)); // compressed bytes differ from the tar
        Assert.Equal(expected, AciFormat.Detect(data.AsSpan(0, Math.Min(data.Length, AciFormat.SniffLength))));
    }

    [Theory]
    [InlineData(AciCompression.None)]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void OpenDecompressed_returns_the_identical_tar(AciCompression expected)
    {
        byte[] data = Compressed(expected);
        using Stream s = AciFormat.OpenDecompressed(new NonSeekableStream(new MemoryStream(data)), out AciCompression found);
        Assert.Equal(expected, found);
        Assert.Equal(Tar, ReadAll(s));
    }

    [Theory]
    [InlineData(AciCompression.None)]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void Decompressed_stream_scans_as_an_aci(AciCompression c)
    {
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream(Compressed(c)), out _);
        AciScan scan = AciReader.Scan(s, TestContext.Current.CancellationToken);
        Assert.Equal("example.com/tiny", scan.Manifest.Name.Value);
        Assert.Equal(6, scan.EntryCount);
    }

    [Fact]
    public void Reading_one_byte_at_a_time_still_yields_the_tar()
    {
        using Stream s = AciFormat.OpenDecompressed(new OneByteStream(Gzip(Tar)), out AciCompression c);
        Assert.Equal(AciCompression.Gzip, c);
        Assert.Equal(Tar, ReadAll(s));
    }

    [Fact]
    public void Concatenated_gzip_members_are_read_completely()
    {
        byte[] half1 = Gzip(Tar[..10240]), half2 = Gzip(Tar[10240..]);
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream([.. half1, .. half2]), out _);
        Assert.Equal(Tar, ReadAll(s));
    }

    [Fact]
    public void Truncated_gzip_yields_a_prefix_of_the_tar_then_throws()
    {
        byte[] gz = Gzip(Tar);
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream(gz[..(gz.Length / 2)]), out _);
        var got = new MemoryStream();
        byte[] buf = new byte[4096];
        var e = Assert.Throws<InvalidDataException>(() => { int n; while ((n = s.Read(buf)) > 0) got.Write(buf, 0, n); });
        Assert.StartsWith("the gzip data is truncated", e.Message);
        Assert.True(got.Length > 0 && got.Length < Tar.Length);
        Assert.Equal(Tar.AsSpan(0, (int)got.Length).ToArray(), got.ToArray());
        Assert.Throws<InvalidDataException>(() => s.Read(buf)); // and it does not turn into a clean end later
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(100)]
    public void Gzip_cut_anywhere_near_the_end_throws(int missing) =>
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(Gzip(Tar)[..^missing]));

    [Fact]
    public void Gzip_with_only_a_header_throws() =>
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(Gzip(Tar)[..10]));

    [Fact]
    public void Large_single_member_gzip_is_verified_by_size()
    {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(big);
        Assert.Equal(big, OpenAndReadAll(Gzip(big)));
        byte[] gz = Gzip(big);
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(gz[..(gz.Length - 20_000)]));
    }

    [Fact]
    public void Concatenated_gzip_whose_last_member_exceeds_the_kept_tail_is_rejected()
    {
        // Known limit: the last member of a multi-member stream is verified from the kept tail (1 MiB).
        byte[] big = new byte[(1 << 20) + 1];
        new Random(9).NextBytes(big);
        var e = Assert.Throws<InvalidDataException>(() => OpenAndReadAll([.. Gzip(Tar), .. Gzip(big)]));
        Assert.Contains("cannot be verified", e.Message);
    }

    [Fact]
    public void Gzip_with_an_empty_last_member_is_complete()
    {
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream([.. Gzip(Tar), .. Gzip([])]), out _);
        Assert.Equal(Tar, ReadAll(s));
    }

    [Fact]
    public void Gzip_followed_by_garbage_throws() =>
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll([.. Gzip(Tar), .. "trailing garbage"u8]));

    [Fact]
    public void Gzip_with_a_corrupted_trailer_crc_throws()
    {
        byte[] gz = Gzip(Tar);
        gz[^8] ^= 0xff;
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(gz));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello, this is plainly text and not an archive at all")]
    [InlineData("-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n")]
    [InlineData("{\"acKind\":\"ImageManifest\"}")]
    public void Text_is_not_an_archive(string text)
    {
        byte[] data = System.Text.Encoding.UTF8.GetBytes(text.PadRight(text.Length == 0 ? 0 : 1000, ' '));
        var e = Assert.Throws<UnknownArchiveFormatException>(() => AciFormat.Detect(data));
        Assert.Equal("UnknownArchiveFormat", e.ErrorId);
        Assert.Throws<UnknownArchiveFormatException>(() => AciFormat.OpenDecompressed(new MemoryStream(data), out _));
    }

    [Fact]
    public void Random_bytes_are_not_an_archive()
    {
        var rnd = new Random(42);
        for (int i = 0; i < 50; i++)
        {
            byte[] data = new byte[1024];
            rnd.NextBytes(data);
            if (data[0] is 0x1f or (byte)'B' or 0xfd or 0x28) data[0] = 0; // keep clear of the magic bytes
            Assert.Throws<UnknownArchiveFormatException>(() => AciFormat.Detect(data));
        }
    }

    [Fact]
    public void A_tar_shorter_than_its_magic_is_not_an_archive() =>
        Assert.Throws<UnknownArchiveFormatException>(() => AciFormat.Detect(Tar.AsSpan(0, 261)));

    [Theory]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void Truncated_compressed_data_throws_InvalidDataException_when_read_through(AciCompression c)
    {
        byte[] data = Compressed(c);
        byte[] cut = data[..(data.Length / 2)];
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(cut));
    }

    [Theory]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void Compressed_data_missing_only_its_trailer_throws(AciCompression c)
    {
        byte[] data = Compressed(c);
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(data[..^4]));
    }

    [Theory]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Bzip2)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    public void Corrupted_compressed_data_throws_InvalidDataException(AciCompression c)
    {
        byte[] data = Compressed(c);
        for (int i = 64; i < data.Length - 64; i += 97) data[i] ^= 0x5a;
        Assert.Throws<InvalidDataException>(() => OpenAndReadAll(data));
    }

    [Theory]
    [InlineData(AciCompression.Gzip)]
    [InlineData(AciCompression.Xz)]
    [InlineData(AciCompression.Zstd)]
    [InlineData(AciCompression.None)]
    public void Truncated_compressed_aci_fails_Scan_as_InvalidArchive(AciCompression c)
    {
        byte[] data = Compressed(c);
        using Stream s = AciFormat.OpenDecompressed(new MemoryStream(data[..(data.Length * 2 / 3)]), out _);
        var e = Assert.Throws<InvalidAciException>(() => AciReader.Scan(s, TestContext.Current.CancellationToken));
        Assert.Equal("InvalidArchive", e.ErrorId);
    }

    [Fact]
    public void Disposing_the_decompressed_stream_disposes_the_source()
    {
        var src = new MemoryStream(Gzip(Tar));
        AciFormat.OpenDecompressed(src, out _).Dispose();
        Assert.False(src.CanRead);
    }

    /// <summary>Returns at most one byte per read.</summary>
    private sealed class OneByteStream(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0 || _pos >= data.Length) return 0;
            buffer[offset] = data[_pos++];
            return 1;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
