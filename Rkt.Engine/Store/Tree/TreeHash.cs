// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Tree;

/// <summary>
/// RktPS's own tree hash (rkt's depends on Go's tar encoding and cannot be reproduced, Appendix A2). Format
/// <c>rktps-tree-v1</c>, defined in docs/architecture.md "Tree hash": SHA-512 (shown as <c>sha512-</c> + 64 hex,
/// like keys) over one record per entry of the tree directory, in ordinal name order, depth first.
/// </summary>
/// <remarks>
/// <para>A record is the path relative to the tree directory followed by NUL-separated fields: type letter,
/// 12 permission bits (octal), uid, gid, then per type — regular file: size and mtime in ns; directory: mtime;
/// symlink: target and mtime; device: major, minor, mtime; FIFO: mtime; a second name of an inode already seen
/// in this walk: <c>h</c> and the first path instead of all of that — and finally the extractor's xattr set
/// (<c>user.*</c>, <c>security.capability*</c>) as <c>name=hex</c> sorted by name; each record ends in a newline.
/// Skipped: the tree directory itself, its <c>hash</c>, <c>rendered</c> and <c>image</c> files, and sockets.
/// Access times are never hashed (reads change them).</para>
/// <para>File contents are not read by default (<see cref="TreeHashMode.Metadata"/>): a rendered tree is only
/// ever modified by mistake or malice, and any ordinary write changes size or mtime, while hashing hundreds of
/// megabytes on every pod start would dominate it. <see cref="TreeHashMode.Content"/> adds each regular file's
/// SHA-512 to its record (used to measure the cost; docs/architecture.md has the figures).</para>
/// <para>Nothing is followed: every entry is lstat'ed and only real directories are entered.</para>
/// </remarks>
public static class TreeHash
{
    /// <summary>First line of the hashed text; changes with the format.</summary>
    public const string Version = "rktps-tree-v1";

    private static readonly HashSet<string> SkippedAtRoot = new(StringComparer.Ordinal) { "hash", "rendered", "image" };

    /// <summary>Computes the hash of the tree directory <paramref name="treeDirectory"/>.</summary>
    public static string Compute(ISyscalls sys, string treeDirectory, TreeHashMode mode, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        hash.AppendData(Encoding.UTF8.GetBytes(Version + "\n"));
        var walk = new Walk(sys, hash, mode, cancellationToken);
        string root = Path.GetFullPath(treeDirectory).TrimEnd('/');
        if (sys.Lstat(root).Kind != FileKind.Directory) throw new DirectoryNotFoundException($"{root} is not a directory");
        walk.Directory(root, "", atRoot: true);
        return ImageId.Prefix + Convert.ToHexStringLower(hash.GetHashAndReset())[..ImageId.HexLength];
    }

    private sealed class Walk(ISyscalls sys, IncrementalHash hash, TreeHashMode mode, CancellationToken ct)
    {
        private readonly Dictionary<(ulong, ulong), string> _inodes = [];
        private readonly StringBuilder _record = new();

        public void Directory(string full, string rel, bool atRoot)
        {
            ct.ThrowIfCancellationRequested();
            var names = new List<string>();
            foreach (string child in System.IO.Directory.EnumerateFileSystemEntries(full)) names.Add(Path.GetFileName(child));
            names.Sort(StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (atRoot && SkippedAtRoot.Contains(name)) continue;
                string childFull = full + "/" + name, childRel = rel.Length == 0 ? name : rel + "/" + name;
                FileStatus st = sys.Lstat(childFull);
                if (st.Kind == FileKind.Socket) continue;
                Entry(childFull, childRel, st);
                if (st.Kind == FileKind.Directory) Directory(childFull, childRel, atRoot: false);
            }
        }

        private void Entry(string full, string rel, FileStatus st)
        {
            StringBuilder r = _record.Clear();
            r.Append(rel).Append('\0');
            if (st.Kind != FileKind.Directory && st.LinkCount > 1)
            {
                if (_inodes.TryGetValue((st.Device, st.Inode), out string? first))
                {
                    r.Append("h\0").Append(first).Append('\n');
                    Append(r);
                    return;
                }
                _inodes[(st.Device, st.Inode)] = rel;
            }
            r.Append(st.Kind switch
            {
                FileKind.RegularFile => 'f', FileKind.Directory => 'd', FileKind.SymbolicLink => 'l',
                FileKind.CharacterDevice => 'c', FileKind.BlockDevice => 'b', FileKind.Fifo => 'p', _ => '?',
            }).Append('\0');
            r.Append(Convert.ToString(st.Mode & 0xFFF, 8).PadLeft(4, '0')).Append('\0');
            r.Append(st.UserId.ToString(CultureInfo.InvariantCulture)).Append('\0');
            r.Append(st.GroupId.ToString(CultureInfo.InvariantCulture)).Append('\0');
            switch (st.Kind)
            {
                case FileKind.RegularFile:
                    r.Append(st.Size.ToString(CultureInfo.InvariantCulture)).Append('\0');
                    if (mode == TreeHashMode.Content) r.Append(ContentHash(full)).Append('\0');
                    break;
                case FileKind.SymbolicLink:
                    r.Append(new FileInfo(full).LinkTarget ?? throw new IOException($"cannot read the symlink {full}")).Append('\0');
                    break;
                case FileKind.CharacterDevice or FileKind.BlockDevice:
                    r.Append(st.DeviceMajor.ToString(CultureInfo.InvariantCulture)).Append(',')
                     .Append(st.DeviceMinor.ToString(CultureInfo.InvariantCulture)).Append('\0');
                    break;
            }
            r.Append(st.ModificationTime.ToString(CultureInfo.InvariantCulture)).Append('\0');
            if (st.Kind == FileKind.RegularFile) Xattrs(full, r);
            r.Append('\n');
            Append(r);
        }

        private void Xattrs(string full, StringBuilder r)
        {
            IReadOnlyList<string> names = sys.Llistxattr(full);
            if (names.Count == 0) return;
            foreach (string name in names.Where(Restored).Order(StringComparer.Ordinal))
                if (sys.Lgetxattr(full, name) is { } value) r.Append(name).Append('=').Append(Convert.ToHexStringLower(value)).Append(';');

            static bool Restored(string n) => n.StartsWith("user.", StringComparison.Ordinal) || n.StartsWith("security.capability", StringComparison.Ordinal);
        }

        private string ContentHash(string full)
        {
            using SafeFileHandle h = sys.Open(full, OpenFlags.ReadOnly | OpenFlags.NoFollow, 0);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
            try
            {
                long offset = 0;
                int n;
                while ((n = RandomAccess.Read(h, buffer, offset)) > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    sha.AppendData(buffer, 0, n);
                    offset += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        private void Append(StringBuilder r)
        {
            int max = Encoding.UTF8.GetMaxByteCount(r.Length);
            byte[] bytes = ArrayPool<byte>.Shared.Rent(max);
            try
            {
                int n = Encoding.UTF8.GetBytes(r.ToString(), bytes);
                hash.AppendData(bytes, 0, n);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }
}

/// <summary>What <see cref="TreeHash"/> reads.</summary>
public enum TreeHashMode
{
    /// <summary>Names, types, modes, owners, sizes, mtimes, link targets, device numbers, xattrs, hard-link structure.</summary>
    Metadata,
    /// <summary>All of <see cref="Metadata"/> plus the SHA-512 of every regular file's content.</summary>
    Content,
}
