// SPDX-License-Identifier: MIT
using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using SharpCompress.Compressors.ZStandard;

namespace Rkt.Formats.Aci;

/// <summary>How an image archive is compressed, decided from its first bytes (never from a file name).</summary>
public enum AciCompression { None, Gzip, Bzip2, Xz, Zstd }

/// <summary>The file is neither a tar nor a tar compressed in a way we know.</summary>
public sealed class UnknownArchiveFormatException(string message) : IOException(message)
{
    /// <summary>Stable error id.</summary>
    public string ErrorId => "UnknownArchiveFormat";
}

/// <summary>Sniffs archive magic bytes and opens decompressing streams (SharpCompress is the only user of that library).</summary>
public static class AciFormat
{
    /// <summary>Bytes needed to sniff: ustar magic sits at offset 257.</summary>
    public const int SniffLength = 512;

    /// <summary>Decides the compression from the first bytes; throws <see cref="UnknownArchiveFormatException"/> when it is not an archive.</summary>
    public static AciCompression Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) return AciCompression.Gzip;
        if (head.Length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') return AciCompression.Bzip2;
        if (head.Length >= 6 && head[..6].SequenceEqual((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return AciCompression.Xz;
        if (head.Length >= 4 && head[..4].SequenceEqual((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])) return AciCompression.Zstd;
        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8)) return AciCompression.None;
        throw new UnknownArchiveFormatException("not an image archive: expected a tar, or a tar compressed with gzip, bzip2, xz or zstd");
    }

    /// <summary>
    /// Wraps <paramref name="raw"/> in a stream that yields the uncompressed tar. The first bytes are peeked, so
    /// <paramref name="raw"/> need not be seekable.
    /// </summary>
    public static Stream OpenDecompressed(Stream raw, out AciCompression compression)
    {
        byte[] head = new byte[SniffLength];
        int n = 0;
        while (n < head.Length)
        {
            int r = raw.Read(head, n, head.Length - n);
            if (r == 0) break;
            n += r;
        }
        compression = Detect(head.AsSpan(0, n));
        Stream joined = new PrefixedStream(head.AsMemory(0, n), raw);
        return compression switch
        {
            AciCompression.None => joined,
            AciCompression.Gzip => new GZipStream(joined, CompressionMode.Decompress),
            AciCompression.Bzip2 => BZip2Stream.Create(joined, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true),
            AciCompression.Xz => new XZStream(joined),
            AciCompression.Zstd => new DecompressionStream(joined),
            _ => throw new UnknownArchiveFormatException("unsupported compression"),
        };
    }

    /// <summary>Reads already-consumed bytes first, then the rest of the inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}
