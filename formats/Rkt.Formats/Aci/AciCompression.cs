// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
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
        var joined = new PrefixedStream(head.AsMemory(0, n), raw);
        return compression switch
        {
            AciCompression.None => joined,
            AciCompression.Gzip => new CheckedGzipStream(joined),
            AciCompression.Bzip2 => BZip2Stream.Create(joined, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true),
            AciCompression.Xz => new XZStream(joined),
            AciCompression.Zstd => new DecompressionStream(joined),
            _ => throw new UnknownArchiveFormatException("unsupported compression"),
        };
    }

    /// <summary>
    /// Reads already-consumed bytes first, then the rest of the inner stream. <see cref="Position"/> counts the bytes
    /// handed out (SharpCompress's xz reader reads it to align blocks); the last 8 bytes handed out are kept for the
    /// gzip trailer check.
    /// </summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        private long _position;
        private readonly byte[] _tail = new byte[8];
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        /// <summary>The last up to 8 bytes read (fewer when the stream is shorter).</summary>
        public ReadOnlySpan<byte> Tail => _tail.AsSpan(8 - (int)Math.Min(8, _position));

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
            if (n > 0) Remember(buffer[..n]);
            return n;
        }

        private void Remember(ReadOnlySpan<byte> read)
        {
            _position += read.Length;
            if (read.Length >= 8) read[^8..].CopyTo(_tail);
            else
            {
                _tail.AsSpan(read.Length).CopyTo(_tail);
                read.CopyTo(_tail.AsSpan(8 - read.Length));
            }
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }

    /// <summary>
    /// .NET's GZipStream ends quietly when its input is cut short (strict checking is only a process-wide AppContext
    /// switch), which would import a truncated tar under a wrong ID. zlib verifies CRC-32 and length whenever it
    /// reaches a trailer, so what is left to catch is a stream that stops before its trailer: at the end of the data
    /// this checks that the last 8 bytes of the source are a trailer whose ISIZE is the byte count produced. A
    /// multi-member gzip (rare for images) fails that check too, and is reported as such.
    /// </summary>
    private sealed class CheckedGzipStream(PrefixedStream raw) : Stream
    {
        private readonly GZipStream _gzip = new(raw, CompressionMode.Decompress);
        private long _produced;
        private bool _checked;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _produced; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = _gzip.Read(buffer);
            if (n > 0) { _produced += n; return n; }
            if (!buffer.IsEmpty && !_checked)
            {
                _checked = true;
                ReadOnlySpan<byte> tail = raw.Tail;
                // 10-byte header + at least 2 bytes of deflate data + 8-byte trailer
                if (raw.Position < 20 || tail.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]) != (uint)_produced)
                    throw new InvalidDataException(
                        $"the gzip data ends before its trailer after {_produced} uncompressed bytes: the file is truncated " +
                        "(or it holds several gzip members, which is not supported; recompress it with gzip)");
            }
            return 0;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) _gzip.Dispose(); base.Dispose(disposing); }
    }
}
