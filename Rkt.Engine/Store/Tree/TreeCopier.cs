// SPDX-License-Identifier: MIT
using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;

namespace Rkt.Engine.Store.Tree;

/// <summary>Options of <see cref="TreeCopier.Copy"/>.</summary>
public sealed class TreeCopyOptions
{
    /// <summary>lchown copies to the source's uid/gid (root only). No uid shifting.</summary>
    public bool PreserveOwnership { get; init; } = true;

    /// <summary>Copy the same xattrs the extractor restores (<c>user.*</c>, <c>security.capability*</c>) on regular files.</summary>
    public bool CopyXattrs { get; init; } = true;
}

/// <summary>What one copy wrote.</summary>
public sealed record TreeCopyResult
{
    /// <summary>Regular files copied (hard-linked duplicates not counted).</summary>
    public int Files { get; init; }
    /// <summary>Directories created, the destination root included.</summary>
    public int Directories { get; init; }
    /// <summary>Symbolic links created.</summary>
    public int Symlinks { get; init; }
    /// <summary>Extra names of multiply linked files, recreated as hard links.</summary>
    public int HardLinks { get; init; }
    /// <summary>Device nodes and FIFOs created.</summary>
    public int SpecialFiles { get; init; }
    /// <summary>Sockets, which cannot be copied and are skipped (the tree hash skips them too).</summary>
    public int SkippedSockets { get; init; }
    /// <summary>Bytes of regular-file data copied.</summary>
    public long Bytes { get; init; }
}

/// <summary>
/// Copies a rendered tree preserving type, mode (with setuid/setgid/sticky), owner, times, hard links, device
/// numbers and the extractor's xattr set. Used instead of an overlay mount when overlay is unavailable or
/// <c>-NoOverlay</c> is given (rkt's CopyTree for stage1).
/// </summary>
/// <remarks>
/// The source comes from untrusted images, so nothing in it is ever followed: every entry is lstat'ed,
/// recursion only enters real directories, symlinks are copied as links with their target verbatim, and the
/// destination is written with the same non-following calls as <see cref="RootfsExtractor"/>. The destination
/// must not exist (its parent must). Directory metadata is applied after the directory's contents.
/// </remarks>
public sealed class TreeCopier
{
    private const UnixFileMode Mode0700 = (UnixFileMode)0b111_000_000;
    private const UnixFileMode Mode0600 = (UnixFileMode)0b110_000_000;
    private const int BufferSize = 128 * 1024;

    private readonly ISyscalls _sys;

    /// <summary>Creates a copier over the given syscall layer.</summary>
    public TreeCopier(ISyscalls sys)
    {
        ArgumentNullException.ThrowIfNull(sys);
        _sys = sys;
    }

    /// <summary>Copies the directory <paramref name="source"/> to the new directory <paramref name="destination"/>.</summary>
    /// <exception cref="NativeCallException">A filesystem call failed, e.g. EEXIST when the destination exists.</exception>
    public TreeCopyResult Copy(string source, string destination, TreeCopyOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        string src = Path.GetFullPath(source), dst = Path.GetFullPath(destination);
        FileStatus root = _sys.Lstat(src);
        if (root.Kind != FileKind.Directory) throw new DirectoryNotFoundException($"copy source {src} is not a directory");
        var run = new Run(_sys, options ?? new TreeCopyOptions(), cancellationToken);
        run.CopyDirectory(src, dst, root);
        return run.Result();
    }

    private sealed class Run(ISyscalls sys, TreeCopyOptions options, CancellationToken ct)
    {
        private readonly Dictionary<(ulong Dev, ulong Ino), string> _linked = [];
        private int _files, _dirs, _symlinks, _hardlinks, _special, _sockets;
        private long _bytes;

        public TreeCopyResult Result() => new()
        {
            Files = _files, Directories = _dirs, Symlinks = _symlinks, HardLinks = _hardlinks,
            SpecialFiles = _special, SkippedSockets = _sockets, Bytes = _bytes,
        };

        public void CopyDirectory(string src, string dst, FileStatus st)
        {
            ct.ThrowIfCancellationRequested();
            sys.Mkdir(dst, Mode0700);
            _dirs++;
            foreach (string child in System.IO.Directory.EnumerateFileSystemEntries(src).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(child);
                string from = Path.Combine(src, name), to = Path.Combine(dst, name);
                FileStatus cst = sys.Lstat(from);
                switch (cst.Kind)
                {
                    case FileKind.Directory: CopyDirectory(from, to, cst); break;
                    case FileKind.RegularFile: CopyFile(from, to, cst); break;
                    case FileKind.SymbolicLink: CopySymlink(from, to, cst); break;
                    case FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Fifo: CopySpecial(to, cst); break;
                    case FileKind.Socket: _sockets++; break;
                    default: throw new IOException($"cannot copy {from}: unknown file type (mode {Convert.ToString(cst.Mode, 8)})");
                }
            }
            Finish(dst, st, chmod: true);
        }

        private void CopyFile(string from, string to, FileStatus st)
        {
            if (st.LinkCount > 1)
            {
                if (_linked.TryGetValue((st.Device, st.Inode), out string? first))
                {
                    sys.Link(first, to);
                    _hardlinks++;
                    return;
                }
                _linked[(st.Device, st.Inode)] = to;
            }
            using (SafeFileHandle input = sys.Open(from, OpenFlags.ReadOnly | OpenFlags.NoFollow, 0))
            using (SafeFileHandle output = sys.Open(to, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow, Mode0600))
            {
                _bytes += CopyData(input, output);
                if (options.PreserveOwnership) sys.Lchown(to, (int)st.UserId, (int)st.GroupId);
                sys.Fchmod(output, st.Permissions);
                if (options.CopyXattrs)
                {
                    foreach (string name in sys.Llistxattr(from))
                    {
                        if (!name.StartsWith("user.", StringComparison.Ordinal) && !name.StartsWith("security.capability", StringComparison.Ordinal)) continue;
                        if (sys.Lgetxattr(from, name) is { } value) sys.Lsetxattr(to, name, value);
                    }
                }
            }
            sys.SetTimes(to, st.AccessTime, st.ModificationTime);
            _files++;
        }

        private void CopySymlink(string from, string to, FileStatus st)
        {
            string target = new FileInfo(from).LinkTarget ?? throw new IOException($"cannot read the symlink {from}");
            sys.Symlink(target, to);
            Finish(to, st, chmod: false);
            _symlinks++;
        }

        private void CopySpecial(string to, FileStatus st)
        {
            if (st.Kind == FileKind.Fifo) sys.Mkfifo(to, Mode0600);
            else sys.Mknod(to, st.Kind == FileKind.BlockDevice ? DeviceKind.Block : DeviceKind.Character, Mode0600, st.DeviceMajor, st.DeviceMinor);
            Finish(to, st, chmod: true);
            _special++;
        }

        private void Finish(string to, FileStatus st, bool chmod)
        {
            if (options.PreserveOwnership) sys.Lchown(to, (int)st.UserId, (int)st.GroupId);
            if (chmod) sys.Chmod(to, st.Permissions); // after chown, which clears setuid/setgid
            sys.SetTimes(to, st.AccessTime, st.ModificationTime);
        }

        private long CopyData(SafeFileHandle input, SafeFileHandle output)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                long offset = 0;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    int n = RandomAccess.Read(input, buffer.AsSpan(0, BufferSize), offset);
                    if (n == 0) return offset;
                    RandomAccess.Write(output, buffer.AsSpan(0, n), offset);
                    offset += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
