// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using System.Text;

namespace Rkt.Formats.Tests.Support;

/// <summary>Builds tar archives in memory at test time (System.Formats.Tar), including hostile ones.</summary>
internal sealed class TarBuilder
{
    private readonly List<TarEntry> _entries = [];

    /// <summary>A small valid image manifest.</summary>
    public const string MinimalManifest = """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/tiny","app":{"exec":["/bin/tiny"],"user":"0","group":"0"}}""";

    public TarBuilder File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    public TarBuilder File(string name, byte[] content)
    {
        var e = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0b110_100_100 };
        _entries.Add(e);
        return this;
    }

    public TarBuilder Dir(string name)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 });
        return this;
    }

    public TarBuilder Symlink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        return this;
    }

    public TarBuilder HardLink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });
        return this;
    }

    /// <summary>manifest + rootfs/ + one file: the smallest valid ACI.</summary>
    public static TarBuilder ValidAci(string manifest = MinimalManifest) =>
        new TarBuilder().File("manifest", manifest).Dir("rootfs").Dir("rootfs/bin").File("rootfs/bin/tiny", "#!/bin/sh\necho tiny\n");

    public byte[] Build(TarEntryFormat format = TarEntryFormat.Pax)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, format, leaveOpen: true))
        {
            foreach (TarEntry e in _entries)
            {
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                w.WriteEntry(format == TarEntryFormat.Pax ? e : Convert(e, format));
            }
        }
        return ms.ToArray();
    }

    private static TarEntry Convert(TarEntry e, TarEntryFormat format) => format switch
    {
        TarEntryFormat.Ustar => new UstarTarEntry(e),
        TarEntryFormat.Gnu => new GnuTarEntry(e),
        TarEntryFormat.V7 => new V7TarEntry(e),
        _ => e,
    };
}

/// <summary>A read-only, forward-only view of a stream (pipes and HTTP bodies look like this).</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
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
