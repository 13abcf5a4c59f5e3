// SPDX-License-Identifier: MIT
using System.Text;

namespace Rkt.Engine.Store.Tree;

/// <summary>
/// A read-only pass-through stream that can record the bytes read while a flag is on. RootfsExtractor turns it
/// on only around <c>TarReader.GetNextEntry</c>, after draining the previous entry's data, so what is recorded
/// is header blocks (pax <c>x</c> header and its records, GNU long names, the entry header) plus padding.
/// </summary>
/// <remarks>
/// Why: System.Formats.Tar decodes pax record values as UTF-8 strings, which is lossy for binary values such
/// as <c>SCHILY.xattr.security.capability</c> (capability bits ≥ 0x80 are not valid UTF-8). The raw records
/// are recovered from the recorded bytes by <see cref="PaxRecords.FromHeaderRegion"/>.
/// </remarks>
internal sealed class HeaderCaptureStream : Stream
{
    /// <summary>Pax headers beyond this size are not recorded (the string values are used instead).</summary>
    internal const int MaxCapture = 4 * 1024 * 1024;

    private readonly Stream _inner;
    private readonly MemoryStream _captured = new();
    private long _position;
    private bool _capturing;

    public HeaderCaptureStream(Stream inner) => _inner = inner;

    /// <summary>Absolute archive offset of the first recorded byte.</summary>
    public long CaptureStart { get; private set; }

    /// <summary>True if the recording was cut off at <see cref="MaxCapture"/>.</summary>
    public bool Overflowed { get; private set; }

    public void BeginCapture()
    {
        _captured.SetLength(0);
        CaptureStart = _position;
        Overflowed = false;
        _capturing = true;
    }

    public ReadOnlyMemory<byte> EndCapture()
    {
        _capturing = false;
        return _captured.GetBuffer().AsMemory(0, (int)_captured.Length);
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        if (_capturing && n > 0)
        {
            if (_captured.Length + n <= MaxCapture) _captured.Write(buffer[..n]);
            else Overflowed = true;
        }
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Byte-exact parsing of pax extended header records ("%d %s=%s\n").</summary>
internal static class PaxRecords
{
    private const int Block = 512;

    /// <summary>
    /// Finds the last pax extended header (typeflag <c>x</c>) in a recorded header region and returns its
    /// records with raw byte values, or null if there is none. <paramref name="absoluteStart"/> aligns the scan
    /// to the archive's 512-byte blocks.
    /// </summary>
    public static Dictionary<string, byte[]>? FromHeaderRegion(ReadOnlySpan<byte> region, long absoluteStart)
    {
        int offset = (int)((Block - absoluteStart % Block) % Block);
        Dictionary<string, byte[]>? last = null;
        while (offset + Block <= region.Length)
        {
            ReadOnlySpan<byte> header = region.Slice(offset, Block);
            if (!TryParseHeader(header, out byte type, out long size))
            {
                offset += Block;
                continue;
            }
            long dataBlocks = (size + Block - 1) / Block;
            if (type == (byte)'x' && offset + Block + size <= region.Length)
                last = Parse(region.Slice(offset + Block, (int)size));
            if (type is not ((byte)'x' or (byte)'g' or (byte)'L' or (byte)'K')) break; // the entry's own header
            long next = offset + Block + dataBlocks * Block;
            if (next > region.Length) break;
            offset = (int)next;
        }
        return last;
    }

    /// <summary>Parses a pax record block; malformed trailing data ends the parse.</summary>
    public static Dictionary<string, byte[]> Parse(ReadOnlySpan<byte> data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int pos = 0;
        while (pos < data.Length)
        {
            int space = data[pos..].IndexOf((byte)' ');
            if (space <= 0) break;
            if (!int.TryParse(data.Slice(pos, space), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length)) break;
            if (length <= space + 1 || pos + length > data.Length || data[pos + length - 1] != (byte)'\n') break;
            ReadOnlySpan<byte> record = data.Slice(pos + space + 1, length - space - 2);
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0) break;
            records[Encoding.UTF8.GetString(record[..eq])] = record[(eq + 1)..].ToArray();
            pos += length;
        }
        return records;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> h, out byte type, out long size)
    {
        type = h[156];
        size = 0;
        if (!TryParseOctal(h.Slice(148, 8), out long checksum)) return false;
        long sum = 0;
        for (int i = 0; i < Block; i++) sum += i is >= 148 and < 156 ? (byte)' ' : h[i];
        if (sum != checksum || checksum == 8 * ' ') return false; // all-zero block has checksum of spaces only
        return TryParseSize(h.Slice(124, 12), out size);
    }

    private static bool TryParseSize(ReadOnlySpan<byte> field, out long size)
    {
        if ((field[0] & 0x80) != 0) // base-256 (GNU) encoding
        {
            size = field[0] & 0x7F;
            for (int i = 1; i < field.Length; i++) size = (size << 8) | field[i];
            return size >= 0;
        }
        return TryParseOctal(field, out size);
    }

    private static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        bool any = false;
        foreach (byte b in field)
        {
            if (b is (byte)' ' or 0) { if (any) break; continue; }
            if (b is < (byte)'0' or > (byte)'7') return false;
            value = (value << 3) + (b - '0');
            any = true;
        }
        return any;
    }
}
