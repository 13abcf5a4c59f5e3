// SPDX-License-Identifier: MIT
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
    /// <paramref name="raw"/> need not be seekable. Damaged or truncated compressed data surfaces as
    /// <see cref="InvalidDataException"/> while reading (or from this call, for decoders that read ahead), never as a
    /// silent early end of stream or a decoder library's own exception type. Disposing the result disposes <paramref name="raw"/>.
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
        var joined = new PrefixedStream(head.AsMemory(0, n), raw);
        AciCompression c = compression;
        try
        {
            return c switch
            {
                AciCompression.None => joined,
                AciCompression.Gzip => new GzipTrailerCheckStream(joined),
                AciCompression.Bzip2 => new DecoderErrorStream(BZip2Stream.Create(joined, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true), c),
                AciCompression.Xz => new DecoderErrorStream(new XZStream(joined), c),
                AciCompression.Zstd => new DecoderErrorStream(new DecompressionStream(joined), c),
                _ => throw new UnknownArchiveFormatException("unsupported compression"),
            };
        }
        catch (Exception e) when (DecoderErrorStream.IsDecoderError(e))
        {
            joined.Dispose();
            throw DecoderErrorStream.Wrap(e, c);
        }
    }

    /// <summary>Reads already-consumed bytes first, then the rest of the inner stream.</summary>
    /// <remarks><see cref="Position"/> counts the bytes read so far: SharpCompress' xz decoder reads it to align block padding.</remarks>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_prefix.Length > 0)
            {
                n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
            }
            else n = inner.Read(buffer);
            _read += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}
