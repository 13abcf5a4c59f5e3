// SPDX-License-Identifier: MIT
using System.IO.Compression;
using SharpCompress.Common;

namespace Rkt.Formats.Aci;

/// <summary>Base for the read-only, forward-only wrappers around a decoder.</summary>
internal abstract class ReadOnlyWrapperStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) Inner.Dispose(); base.Dispose(disposing); }
}

/// <summary>
/// Turns the decoder library's exceptions (SharpCompress has its own hierarchy, and its decoders throw
/// <see cref="EndOfStreamException"/> or <see cref="IndexOutOfRangeException"/> on some damaged input) into
/// <see cref="InvalidDataException"/>, so callers handle one type for "the compressed data is bad".
/// </summary>
internal sealed class DecoderErrorStream(Stream decoder, AciCompression compression) : ReadOnlyWrapperStream(decoder)
{
    public override int Read(Span<byte> buffer)
    {
        try { return Inner.Read(buffer); }
        catch (Exception e) when (IsDecoderError(e)) { throw Wrap(e, compression); }
    }

    internal static bool IsDecoderError(Exception e) =>
        e is SharpCompressException or EndOfStreamException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException;

    internal static InvalidDataException Wrap(Exception e, AciCompression c) =>
        e as InvalidDataException ?? new InvalidDataException($"the {c.ToString().ToLowerInvariant()} data is truncated or corrupt: {e.Message}", e);
}

/// <summary>
/// gzip via the runtime's zlib, plus the truncation check the runtime leaves out: <see cref="GZipStream"/> verifies
/// the CRC-32 and size trailer of every member it finishes, but a stream that ends inside a member just ends early
/// (the runtime's strict mode is a process-wide switch we must not flip from a library). At end of stream the last
/// 8 compressed bytes must therefore be a valid trailer for the tail of the output: for a single member, ISIZE
/// equals the total size (mod 2^32) and, when the output fits the kept tail, the CRC matches; for concatenated
/// members the last member must fit the kept tail (<see cref="TailBytes"/>) and its CRC and size must match.
/// </summary>
internal sealed class GzipTrailerCheckStream : ReadOnlyWrapperStream
{
    /// <summary>Uncompressed bytes kept to check the last member of a multi-member stream.</summary>
    internal const int TailBytes = 1 << 20;

    private readonly TailRecordingStream _raw;
    private readonly byte[] _tail = new byte[TailBytes];
    private long _total;
    private bool _verified;

    public GzipTrailerCheckStream(Stream raw) : this(new TailRecordingStream(raw)) { }

    private GzipTrailerCheckStream(TailRecordingStream raw) : base(new GZipStream(raw, CompressionMode.Decompress)) => _raw = raw;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        int n = Inner.Read(buffer);
        if (n > 0)
        {
            Remember(buffer[..n]);
            return n;
        }
        if (!_verified) { VerifyTrailer(); _verified = true; }
        return 0;
    }

    private void Remember(ReadOnlySpan<byte> data)
    {
        int m = Math.Min(data.Length, TailBytes);
        ReadOnlySpan<byte> keep = data[^m..];
        int pos = (int)((_total + data.Length - m) % TailBytes);
        int first = Math.Min(m, TailBytes - pos);
        keep[..first].CopyTo(_tail.AsSpan(pos));
        keep[first..].CopyTo(_tail);
        _total += data.Length;
    }

    private void VerifyTrailer()
    {
        if (!_raw.TryGetTrailer(out uint crc, out uint isize))
            throw new InvalidDataException("the gzip data is truncated (shorter than a gzip trailer)");
        long kept = Math.Min(_total, TailBytes);
        if ((uint)_total == isize && _total > kept) return; // one large member: the size matches, zlib checked the rest
        if (isize <= kept && Crc32.OfTail(_tail, _total, (int)isize) == crc) return;
        throw new InvalidDataException(isize > kept && (uint)_total != isize
            ? $"the gzip data is truncated, or its last member is larger than {TailBytes} bytes and cannot be verified"
            : "the gzip data is truncated (its last member has no valid CRC-32/size trailer)");
    }

    /// <summary>Passes reads through and keeps the last 8 bytes read.</summary>
    private sealed class TailRecordingStream(Stream inner) : ReadOnlyWrapperStream(inner)
    {
        private readonly byte[] _last = new byte[8];
        private long _count;

        public override int Read(Span<byte> buffer)
        {
            int n = Inner.Read(buffer);
            for (int i = Math.Max(0, n - 8); i < n; i++) _last[(_count + i) % 8] = buffer[i];
            _count += n;
            return n;
        }

        public bool TryGetTrailer(out uint crc, out uint isize)
        {
            crc = isize = 0;
            if (_count < 8) return false;
            Span<byte> t = stackalloc byte[8];
            for (int i = 0; i < 8; i++) t[i] = _last[(_count + i) % 8];
            crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(t);
            isize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(t[4..]);
            return true;
        }
    }
}

/// <summary>CRC-32 (IEEE 802.3, as gzip uses), only over the kept tail, so a plain table is fast enough.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>CRC of the last <paramref name="length"/> bytes written to a ring buffer that has seen <paramref name="total"/> bytes.</summary>
    public static uint OfTail(byte[] ring, long total, int length)
    {
        uint c = 0xFFFFFFFFu;
        long start = total - length;
        for (long i = start; i < total; i++) c = Table[(c ^ ring[i % ring.Length]) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
