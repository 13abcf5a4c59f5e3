// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using System.Text;

namespace Rkt.Engine.Tests.Support;

/// <summary>Builds (possibly hostile) pax archives in memory with System.Formats.Tar's writer.</summary>
public sealed class TarBuilder
{
    public static readonly DateTimeOffset DefaultTime = new(2017, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<TarEntry> _entries = [];

    public static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    public TarBuilder Dir(string name, string mode = "0755", int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, string>? pax = null) =>
        Add(TarEntryType.Directory, name, mode, uid, gid, mtime, pax);

    public TarBuilder File(string name, string content, string mode = "0644", int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, string>? pax = null)
    {
        var e = NewEntry(TarEntryType.RegularFile, name, mode, uid, gid, mtime, pax);
        e.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        _entries.Add(e);
        return this;
    }

    public TarBuilder Symlink(string name, string target, int uid = 0, int gid = 0, DateTimeOffset? mtime = null)
    {
        var e = NewEntry(TarEntryType.SymbolicLink, name, "0777", uid, gid, mtime, null);
        e.LinkName = target;
        _entries.Add(e);
        return this;
    }

    public TarBuilder HardLink(string name, string target)
    {
        var e = NewEntry(TarEntryType.HardLink, name, "0644", 0, 0, null, null);
        e.LinkName = target;
        _entries.Add(e);
        return this;
    }

    public TarBuilder CharDevice(string name, int major, int minor, string mode = "0666", int uid = 0, int gid = 0) =>
        Device(TarEntryType.CharacterDevice, name, major, minor, mode, uid, gid);

    public TarBuilder BlockDevice(string name, int major, int minor, string mode = "0660") =>
        Device(TarEntryType.BlockDevice, name, major, minor, mode, 0, 0);

    public TarBuilder Fifo(string name, string mode = "0620", int uid = 0, int gid = 0) =>
        Add(TarEntryType.Fifo, name, mode, uid, gid, null, null);

    public TarBuilder GlobalHeader(Dictionary<string, string> attributes)
    {
        _entries.Add(new PaxGlobalExtendedAttributesTarEntry(attributes));
        return this;
    }

    public MemoryStream ToStream()
    {
        var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (TarEntry e in _entries)
            {
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(e);
            }
        }
        ms.Position = 0;
        return ms;
    }

    /// <summary>The archive as a forward-only stream, like a decompressor's output.</summary>
    public Stream ToForwardOnlyStream() => new ForwardOnlyStream(ToStream());

    private TarBuilder Device(TarEntryType type, string name, int major, int minor, string mode, int uid, int gid)
    {
        var e = (PaxTarEntry)NewEntry(type, name, mode, uid, gid, null, null);
        e.DeviceMajor = major;
        e.DeviceMinor = minor;
        _entries.Add(e);
        return this;
    }

    private TarBuilder Add(TarEntryType type, string name, string mode, int uid, int gid, DateTimeOffset? mtime, Dictionary<string, string>? pax)
    {
        _entries.Add(NewEntry(type, name, mode, uid, gid, mtime, pax));
        return this;
    }

    private static TarEntry NewEntry(TarEntryType type, string name, string mode, int uid, int gid, DateTimeOffset? mtime, Dictionary<string, string>? pax)
    {
        var e = pax is null ? new PaxTarEntry(type, name) : new PaxTarEntry(type, name, pax);
        e.Mode = Mode(mode);
        e.Uid = uid;
        e.Gid = gid;
        e.ModificationTime = mtime ?? DefaultTime;
        return e;
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}

/// <summary>
/// Hand-written ustar/pax blocks for what TarWriter cannot express: binary pax values, arbitrary typeflags,
/// truncated archives.
/// </summary>
public sealed class RawTar
{
    private readonly MemoryStream _ms = new();

    public RawTar Pax(string forName, params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach ((string key, byte[] value) in records)
        {
            byte[] body = [.. Encoding.UTF8.GetBytes(" " + key + "="), .. value, (byte)'\n'];
            int len = body.Length + 1;
            while (len.ToString().Length + body.Length != len) len++;
            data.Write(Encoding.ASCII.GetBytes(len.ToString()));
            data.Write(body);
        }
        Header("PaxHeaders/" + forName, 'x', data.Length);
        _ms.Write(data.ToArray());
        Pad(data.Length);
        return this;
    }

    public RawTar Entry(char type, string name, byte[]? content = null, string mode = "0644", string linkName = "")
    {
        content ??= [];
        Header(name, type, content.Length, mode, linkName);
        _ms.Write(content);
        Pad(content.Length);
        return this;
    }

    public RawTar Raw(byte[] bytes) { _ms.Write(bytes); return this; }

    public MemoryStream ToStream(bool terminate = true)
    {
        var copy = new MemoryStream();
        copy.Write(_ms.ToArray());
        if (terminate) copy.Write(new byte[1024]);
        copy.Position = 0;
        return copy;
    }

    private void Header(string name, char type, long size, string mode = "0644", string linkName = "")
    {
        byte[] h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes(mode.PadLeft(7, '0') + "\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes(Convert.ToString(1496318400L, 8).PadLeft(11, '0') + "\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes(linkName).CopyTo(h, 157);
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        for (int i = 148; i < 156; i++) h[i] = (byte)' ';
        int sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        _ms.Write(h);
    }

    private void Pad(long n) => _ms.Write(new byte[(512 - n % 512) % 512]);
}
