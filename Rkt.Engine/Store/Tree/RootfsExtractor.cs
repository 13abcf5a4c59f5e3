// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;

namespace Rkt.Engine.Store.Tree;

/// <summary>
/// The one place that writes untrusted tar archives to disk. Nothing an archive contains can create, modify or
/// link anything outside the destination directory.
/// </summary>
/// <remarks>
/// <para>rkt extracts in a re-exec'd helper that chroots into the target. We cannot chroot in the engine
/// process (it is multithreaded and hosts PowerShell), so containment is done by path discipline instead:</para>
/// <list type="bullet">
/// <item>Entry names and hard-link names are cleaned (<c>./</c> and empty components dropped); absolute names
/// and any <c>..</c> component are refused (<see cref="UnsafeArchiveException.UnsafeTarEntry"/>).</item>
/// <item>Every parent component is lstat'ed below the root, top-down, before anything is created; a symlink
/// (laid by an earlier entry or by a previously extracted image) is never traversed. With
/// <see cref="ExtractOptions.NoOverwrite"/> such an entry is skipped (the upper image's non-directory shadows
/// it, acirenderer's rule), otherwise the archive is refused. Missing parents are created 0755.</item>
/// <item>The last component is created with calls that never follow it: O_CREAT|O_EXCL|O_NOFOLLOW for
/// regular files, mkdir, mknod, mkfifo, symlink, linkat; metadata with lchown, fchmodat(AT_SYMLINK_NOFOLLOW),
/// lsetxattr, utimensat(AT_SYMLINK_NOFOLLOW).</item>
/// <item>Hard links must name an existing regular file inside the root, reached without symlinks.</item>
/// <item>Symlink targets are stored verbatim: an absolute target is fine as link contents, because it is only
/// ever resolved inside the container, and this class never resolves one.</item>
/// </list>
/// <para>Checks and creations are separate calls, so containment assumes nobody else modifies the destination
/// concurrently (the tree store holds the tree's exclusive lock while rendering). On failure the destination is
/// left partially written; callers extract into a fresh directory and delete it on error.</para>
/// <para>Metadata order per entry (as rkt): lchown (if <see cref="ExtractOptions.PreserveOwnership"/>), then
/// chmod with setuid/setgid/sticky (chown clears setuid), then xattrs on regular files, then times. Directory
/// mode, owner and times are applied after the whole archive, so a read-only directory can still receive its
/// entries and its mtime is not disturbed by them. Hard links get no metadata of their own (they share the
/// target's inode). Pax global headers are ignored.</para>
/// </remarks>
public sealed class RootfsExtractor
{
    private const UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Mode0700 = (UnixFileMode)0b111_000_000;
    private const UnixFileMode Mode0600 = (UnixFileMode)0b110_000_000;
    private const int CopyBufferSize = 128 * 1024;

    private readonly ISyscalls _sys;

    /// <summary>Creates an extractor over the given syscall layer.</summary>
    public RootfsExtractor(ISyscalls sys)
    {
        ArgumentNullException.ThrowIfNull(sys);
        _sys = sys;
    }

    /// <summary>
    /// Extracts <paramref name="tar"/> (an uncompressed ustar, pax, GNU or v7 stream, read forward only) into the
    /// existing directory <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="UnsafeArchiveException">An entry was refused; see <see cref="UnsafeArchiveException.ErrorId"/>.</exception>
    /// <exception cref="NativeCallException">A filesystem call failed (e.g. ENOSPC, EPERM when not root).</exception>
    /// <exception cref="OperationCanceledException">Cancelled between entries or during a file's data.</exception>
    public ExtractResult Extract(Stream tar, string destination, ExtractOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(options);
        return new Run(_sys, destination, options, cancellationToken).Execute(tar);
    }

    /// <summary>Cleans an archive path: drops empty and <c>.</c> components; refuses absolute paths, <c>..</c> and NUL.</summary>
    /// <returns>The cleaned relative path; empty for the archive root (<c>./</c>).</returns>
    internal static string CleanName(string original, string? entryForErrors = null)
    {
        string who = entryForErrors ?? original;
        if (original.Contains('\0')) throw Unsafe(who, "the name contains a NUL character");
        if (original.StartsWith('/')) throw Unsafe(who, $"absolute path '{original}' is not allowed");
        var parts = new List<string>();
        foreach (string part in original.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") throw Unsafe(who, $"'..' in '{original}' is not allowed");
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>Parses a pax time ("[-]seconds[.fraction]") to nanoseconds, exactly.</summary>
    internal static bool TryParsePaxTime(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        bool negative = text.StartsWith('-');
        string body = negative ? text[1..] : text;
        int dot = body.IndexOf('.');
        string secPart = dot < 0 ? body : body[..dot];
        string fracPart = dot < 0 ? "" : body[(dot + 1)..];
        if (secPart.Length == 0 || !long.TryParse(secPart, NumberStyles.None, CultureInfo.InvariantCulture, out long sec)) return false;
        if (fracPart.Length > 0 && !fracPart.All(char.IsAsciiDigit)) return false;
        string nine = (fracPart.Length >= 9 ? fracPart[..9] : fracPart.PadRight(9, '0'));
        long frac = long.Parse(nine, NumberStyles.None, CultureInfo.InvariantCulture);
        if (sec > (long.MaxValue - frac) / 1_000_000_000) return false;
        long value = sec * 1_000_000_000 + frac;
        nanoseconds = negative ? -value : value;
        return true;
    }

    private static UnsafeArchiveException Unsafe(string entry, string message) =>
        new(UnsafeArchiveException.UnsafeTarEntry, entry, message);

    private static UnsafeArchiveException Invalid(string entry, string message) =>
        new(UnsafeArchiveException.InvalidTarEntry, entry, message);

    /// <summary>One extraction: the mutable state lives here so the extractor itself is stateless.</summary>
    private sealed class Run
    {
        private readonly ISyscalls _sys;
        private readonly ExtractOptions _options;
        private readonly CancellationToken _ct;
        private readonly string _root;
        private readonly string? _prefix;

        /// <summary>Relative paths known to be real directories (not symlinks) in this run; "" is the root.</summary>
        private readonly HashSet<string> _verified = new(StringComparer.Ordinal) { "" };
        private readonly List<PendingDirectory> _pending = [];
        private readonly List<SkippedEntry> _skipped = [];
        private int _files, _dirs, _symlinks, _hardlinks, _special;
        private long _bytes;

        public Run(ISyscalls sys, string destination, ExtractOptions options, CancellationToken ct)
        {
            _sys = sys;
            _options = options;
            _ct = ct;
            string full = Path.GetFullPath(destination);
            _root = full.Length > 1 ? full.TrimEnd('/') : full;
            if (!_sys.TryLstat(_root, out FileStatus st) || st.Kind != FileKind.Directory)
                throw new DirectoryNotFoundException($"extraction destination {_root} is not an existing directory");
            _prefix = options.StripPrefix is null ? null : CleanName(options.StripPrefix);
            if (_prefix is "") _prefix = null;
        }

        public ExtractResult Execute(Stream tar)
        {
            var capture = new HeaderCaptureStream(tar);
            using var reader = new TarReader(capture, leaveOpen: true);
            while (true)
            {
                _ct.ThrowIfCancellationRequested();
                TarEntry? entry;
                Dictionary<string, byte[]>? rawPax;
                capture.BeginCapture();
                try
                {
                    entry = reader.GetNextEntry(copyData: false);
                }
                catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
                {
                    throw new UnsafeArchiveException(UnsafeArchiveException.CorruptArchive, null, $"malformed tar stream: {e.Message}", e);
                }
                finally
                {
                    ReadOnlyMemory<byte> region = capture.EndCapture();
                    rawPax = capture.Overflowed ? null : PaxRecords.FromHeaderRegion(region.Span, capture.CaptureStart);
                }
                if (entry is null) break;
                Process(entry, rawPax);
                Drain(entry);
            }
            ApplyDirectoryMetadata();
            return new ExtractResult
            {
                Files = _files, Directories = _dirs, Symlinks = _symlinks, HardLinks = _hardlinks,
                SpecialFiles = _special, Bytes = _bytes, Skipped = _skipped, DirectoryTimes = _stamped,
            };
        }

        private void Process(TarEntry entry, Dictionary<string, byte[]>? rawPax)
        {
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) return;
            string original = entry.Name;
            if (original.Length == 0) throw Invalid(original, "empty entry name");
            string name = CleanName(original);
            if (!MapPrefix(name, out string rel))
            {
                _skipped.Add(new SkippedEntry(name, SkipReason.OutsidePrefix));
                return;
            }
            if (_options.Filter is { } filter && !filter(name))
            {
                _skipped.Add(new SkippedEntry(name, SkipReason.Filtered));
                return;
            }
            if (rel.Length == 0 && entry.EntryType != TarEntryType.Directory)
                throw Invalid(original, "the root of the tree can only be a directory");

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory(entry, name, rel);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    RegularFile(entry, name, rel, rawPax);
                    break;
                case TarEntryType.SymbolicLink:
                    Symlink(entry, name, rel);
                    break;
                case TarEntryType.HardLink:
                    HardLink(entry, name, rel);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                    Device(entry, name, rel);
                    break;
                case TarEntryType.Fifo:
                    Fifo(entry, name, rel);
                    break;
                default:
                    throw new UnsafeArchiveException(UnsafeArchiveException.UnsupportedTarEntry, original,
                        $"entry type {entry.EntryType} ('{(char)entry.EntryType}') is not supported");
            }
        }

        private void Directory(TarEntry entry, string name, string rel)
        {
            if (PrepareTarget(name, rel, isDirectory: true) is not { } target) return;
            string full = Full(rel);
            if (!target.IsExistingDirectory) _sys.Mkdir(full, Mode0700); // final mode is applied at the end
            FileStatus st = _sys.Lstat(full);
            _verified.Add(rel);
            (long atime, long mtime) = Times(entry);
            _pending.Add(new PendingDirectory(rel, st.Device, st.Inode, entry.Mode, entry.Uid, entry.Gid, atime, mtime));
            _dirs++;
        }

        private void RegularFile(TarEntry entry, string name, string rel, Dictionary<string, byte[]>? rawPax)
        {
            if (PrepareTarget(name, rel, isDirectory: false) is null) return;
            string full = Full(rel);
            List<(string Name, byte[] Value)> xattrs = _options.RestoreXattrs ? Xattrs(entry, rawPax) : [];
            using (SafeFileHandle handle = _sys.Open(full, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow, Mode0600))
            {
                _bytes += CopyData(entry, handle);
                if (_options.PreserveOwnership) _sys.Lchown(full, entry.Uid, entry.Gid);
                _sys.Fchmod(handle, entry.Mode);
                foreach ((string xname, byte[] value) in xattrs) _sys.Lsetxattr(full, xname, value);
            }
            (long atime, long mtime) = Times(entry);
            _sys.SetTimes(full, atime, mtime);
            _files++;
        }

        private void Symlink(TarEntry entry, string name, string rel)
        {
            string target = entry.LinkName;
            if (target.Length == 0) throw Invalid(entry.Name, "symlink with an empty target");
            if (target.Contains('\0')) throw Invalid(entry.Name, "symlink target contains a NUL character");
            if (PrepareTarget(name, rel, isDirectory: false) is null) return;
            string full = Full(rel);
            _sys.Symlink(target, full); // verbatim; never resolved here
            if (_options.PreserveOwnership) _sys.Lchown(full, entry.Uid, entry.Gid);
            (long atime, long mtime) = Times(entry);
            _sys.SetTimes(full, atime, mtime);
            _symlinks++;
        }

        private void HardLink(TarEntry entry, string name, string rel)
        {
            string linkName = entry.LinkName;
            if (linkName.Length == 0) throw Invalid(entry.Name, "hard link with an empty target");
            string targetName = CleanName(linkName, entry.Name);
            if (!MapPrefix(targetName, out string targetRel))
                throw Unsafe(entry.Name, $"hard link target '{linkName}' is outside '{_prefix}'");
            if (targetRel.Length == 0 || targetRel == rel)
                throw Invalid(entry.Name, $"hard link target '{linkName}' is not a file");
            string? blocker = FirstNonDirectoryAncestor(targetRel);
            if (blocker is not null)
                throw Unsafe(entry.Name, $"hard link target '{linkName}' goes through '{blocker}', which is not a directory");
            string targetFull = Full(targetRel);
            if (!_sys.TryLstat(targetFull, out FileStatus st) || st.Kind != FileKind.RegularFile)
                throw Invalid(entry.Name, $"hard link target '{linkName}' is not an already extracted regular file");
            if (PrepareTarget(name, rel, isDirectory: false) is null) return;
            _sys.Link(targetFull, Full(rel));
            _hardlinks++;
        }

        private void Device(TarEntry entry, string name, string rel)
        {
            if (!_options.CreateDevices)
            {
                _skipped.Add(new SkippedEntry(name, SkipReason.DeviceNotPermitted));
                return;
            }
            if (PrepareTarget(name, rel, isDirectory: false) is null) return;
            string full = Full(rel);
            var kind = entry.EntryType == TarEntryType.BlockDevice ? DeviceKind.Block : DeviceKind.Character;
            (uint major, uint minor) = DeviceNumbers(entry);
            _sys.Mknod(full, kind, Mode0600, major, minor);
            FinishSpecial(entry, full);
        }

        private void Fifo(TarEntry entry, string name, string rel)
        {
            if (PrepareTarget(name, rel, isDirectory: false) is null) return;
            string full = Full(rel);
            _sys.Mkfifo(full, Mode0600);
            FinishSpecial(entry, full);
        }

        private void FinishSpecial(TarEntry entry, string full)
        {
            if (_options.PreserveOwnership) _sys.Lchown(full, entry.Uid, entry.Gid);
            _sys.Chmod(full, entry.Mode);
            (long atime, long mtime) = Times(entry);
            _sys.SetTimes(full, atime, mtime);
            _special++;
        }

        /// <summary>
        /// Makes sure the parents of <paramref name="rel"/> are real directories and the name itself is free
        /// (or an existing directory, for a directory entry). Returns null when the entry is skipped.
        /// </summary>
        private Target? PrepareTarget(string name, string rel, bool isDirectory)
        {
            if (!EnsureParents(name, rel)) return null;
            string full = Full(rel);
            if (!_sys.TryLstat(full, out FileStatus st)) return new Target(false);
            if (isDirectory && st.Kind == FileKind.Directory)
            {
                if (_options.NoOverwrite && _options.AdoptExistingDirectories)
                {
                    _verified.Add(rel);
                    return new Target(true);
                }
                if (_options.NoOverwrite)
                {
                    _verified.Add(rel);
                    _skipped.Add(new SkippedEntry(name, SkipReason.Exists));
                    return null;
                }
                return new Target(true);
            }
            if (_options.NoOverwrite)
            {
                _skipped.Add(new SkippedEntry(name, SkipReason.Exists));
                return null;
            }
            // Overwrite mode: a later entry replaces an earlier one (never through it: unlink/rmdir act on the
            // name itself, and a non-empty directory is not replaced).
            if (st.Kind == FileKind.Directory)
            {
                try { System.IO.Directory.Delete(full, recursive: false); }
                catch (IOException e)
                {
                    throw new UnsafeArchiveException(UnsafeArchiveException.InvalidTarEntry, name,
                        "it would replace a non-empty directory", e);
                }
            }
            else
            {
                File.Delete(full);
            }
            Invalidate(rel);
            return new Target(false);
        }

        /// <summary>Creates missing parents (0755) and refuses or skips paths below a non-directory.</summary>
        private bool EnsureParents(string name, string rel)
        {
            int slash = -1;
            while ((slash = rel.IndexOf('/', slash + 1)) >= 0)
            {
                string parent = rel[..slash];
                if (_verified.Contains(parent)) continue;
                string full = Full(parent);
                if (!_sys.TryLstat(full, out FileStatus st))
                {
                    _sys.Mkdir(full, Mode0755);
                    _sys.Chmod(full, Mode0755); // exact, whatever the umask
                    _verified.Add(parent);
                    continue;
                }
                if (st.Kind == FileKind.Directory)
                {
                    _verified.Add(parent);
                    continue;
                }
                if (_options.NoOverwrite)
                {
                    _skipped.Add(new SkippedEntry(name, SkipReason.ShadowedByNonDirectory));
                    return false;
                }
                if (st.Kind == FileKind.SymbolicLink)
                    throw Unsafe(name, $"its parent '{parent}' is a symlink; refusing to write through it");
                throw Invalid(name, $"its parent '{parent}' is not a directory");
            }
            return true;
        }

        /// <summary>Checks existing ancestors without creating anything; returns the first one that is not a real directory.</summary>
        private string? FirstNonDirectoryAncestor(string rel)
        {
            int slash = -1;
            while ((slash = rel.IndexOf('/', slash + 1)) >= 0)
            {
                string parent = rel[..slash];
                if (_verified.Contains(parent)) continue;
                if (!_sys.TryLstat(Full(parent), out FileStatus st) || st.Kind != FileKind.Directory) return parent;
                _verified.Add(parent);
            }
            return null;
        }

        private void Invalidate(string rel)
        {
            _verified.Remove(rel);
            string below = rel + "/";
            _verified.RemoveWhere(p => p.StartsWith(below, StringComparison.Ordinal));
        }

        private readonly List<DirectoryTimes> _stamped = [];

        private void ApplyDirectoryMetadata()
        {
            foreach (PendingDirectory d in _pending)
            {
                _ct.ThrowIfCancellationRequested();
                if (!ParentsStillVerified(d.Rel)) continue;
                string full = Full(d.Rel);
                // Replaced by a later entry since it was recorded: its metadata no longer applies.
                if (!_sys.TryLstat(full, out FileStatus st) || st.Kind != FileKind.Directory || st.Device != d.Device || st.Inode != d.Inode)
                    continue;
                if (_options.PreserveOwnership) _sys.Lchown(full, d.Uid, d.Gid);
                _sys.Chmod(full, d.Mode);
                _sys.SetTimes(full, d.AccessTime, d.ModificationTime);
                _stamped.Add(new DirectoryTimes(d.Rel, d.AccessTime, d.ModificationTime));
            }
        }

        private bool ParentsStillVerified(string rel)
        {
            int slash = -1;
            while ((slash = rel.IndexOf('/', slash + 1)) >= 0)
                if (!_verified.Contains(rel[..slash])) return false;
            return true;
        }

        private bool MapPrefix(string name, out string rel)
        {
            if (_prefix is null) { rel = name; return true; }
            if (name == _prefix) { rel = ""; return true; }
            if (name.Length > _prefix.Length && name[_prefix.Length] == '/' && name.StartsWith(_prefix, StringComparison.Ordinal))
            {
                rel = name[(_prefix.Length + 1)..];
                return true;
            }
            rel = "";
            return false;
        }

        private string Full(string rel) => rel.Length == 0 ? _root : _root == "/" ? "/" + rel : _root + "/" + rel;

        private long CopyData(TarEntry entry, SafeFileHandle handle)
        {
            Stream? data = entry.DataStream;
            if (data is null) return 0;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                long offset = 0;
                while (true)
                {
                    _ct.ThrowIfCancellationRequested();
                    int n;
                    try { n = data.Read(buffer, 0, CopyBufferSize); }
                    catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                    {
                        throw new UnsafeArchiveException(UnsafeArchiveException.CorruptArchive, entry.Name, "file data is truncated", e);
                    }
                    if (n == 0) break;
                    RandomAccess.Write(handle, buffer.AsSpan(0, n), offset);
                    offset += n;
                }
                if (offset != entry.Length)
                    throw new UnsafeArchiveException(UnsafeArchiveException.CorruptArchive, entry.Name, $"expected {entry.Length} bytes of data, got {offset}");
                return offset;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Consumes unread entry data so the next header read starts clean (and is all the capture sees).</summary>
        private void Drain(TarEntry entry)
        {
            Stream? data = entry.DataStream;
            if (data is null) return;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                while (true)
                {
                    _ct.ThrowIfCancellationRequested();
                    int n;
                    try { n = data.Read(buffer, 0, CopyBufferSize); }
                    catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                    {
                        throw new UnsafeArchiveException(UnsafeArchiveException.CorruptArchive, entry.Name, "entry data is truncated", e);
                    }
                    if (n == 0) break;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private static (uint Major, uint Minor) DeviceNumbers(TarEntry entry) => entry switch
        {
            PosixTarEntry p => ((uint)p.DeviceMajor, (uint)p.DeviceMinor),
            _ => throw Invalid(entry.Name, "a v7 archive cannot describe device nodes"),
        };

        /// <summary>Access and modification times in ns; pax records give full precision, atime defaults to mtime.</summary>
        private static (long AccessTime, long ModificationTime) Times(TarEntry entry)
        {
            long mtime = UnixTime.ToNanoseconds(entry.ModificationTime);
            long? atime = null;
            if (entry is PaxTarEntry pax)
            {
                if (pax.ExtendedAttributes.TryGetValue("mtime", out string? m) && TryParsePaxTime(m, out long mt)) mtime = mt;
                if (pax.ExtendedAttributes.TryGetValue("atime", out string? a) && TryParsePaxTime(a, out long at)) atime = at;
            }
            else if (entry is GnuTarEntry gnu && gnu.AccessTime > DateTimeOffset.UnixEpoch)
            {
                atime = UnixTime.ToNanoseconds(gnu.AccessTime);
            }
            return (atime ?? mtime, mtime);
        }

        /// <summary>
        /// The xattrs to restore on a regular file: <c>user.*</c> and <c>security.capability*</c>, from
        /// <c>SCHILY.xattr.*</c> (raw bytes recovered from the header when available) or libarchive's
        /// <c>LIBARCHIVE.xattr.*</c> (URL-encoded name, base64 value).
        /// </summary>
        private static List<(string Name, byte[] Value)> Xattrs(TarEntry entry, Dictionary<string, byte[]>? rawPax)
        {
            var result = new List<(string, byte[])>();
            if (entry is not PaxTarEntry pax) return result;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            const string Schily = "SCHILY.xattr.", LibArchive = "LIBARCHIVE.xattr.";
            foreach ((string key, string value) in pax.ExtendedAttributes)
            {
                if (!key.StartsWith(Schily, StringComparison.Ordinal)) continue;
                string name = key[Schily.Length..];
                if (!Allowed(name) || !seen.Add(name)) continue;
                byte[] bytes = rawPax is not null && rawPax.TryGetValue(key, out byte[]? raw) ? raw : Encoding.UTF8.GetBytes(value);
                result.Add((name, bytes));
            }
            foreach ((string key, string value) in pax.ExtendedAttributes)
            {
                if (!key.StartsWith(LibArchive, StringComparison.Ordinal)) continue;
                string name = Uri.UnescapeDataString(key[LibArchive.Length..]);
                if (!Allowed(name) || !seen.Add(name)) continue;
                try { result.Add((name, Convert.FromBase64String(value))); }
                catch (FormatException e)
                {
                    throw new UnsafeArchiveException(UnsafeArchiveException.InvalidTarEntry, entry.Name, $"xattr {name} is not valid base64", e);
                }
            }
            return result;

            static bool Allowed(string name) =>
                name.Length > 0 && !name.Contains('\0') &&
                (name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("security.capability", StringComparison.Ordinal));
        }
    }

    private readonly record struct Target(bool IsExistingDirectory);

    private readonly record struct PendingDirectory(
        string Rel, ulong Device, ulong Inode, UnixFileMode Mode, int Uid, int Gid, long AccessTime, long ModificationTime);
}
