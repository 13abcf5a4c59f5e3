// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using Rkt.Engine.Errors;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;
using Rkt.Formats.Aci;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Cas;

/// <summary>An ingest that has been written, hashed, fsynced and validated, but is not yet visible in the store.</summary>
public sealed class PendingBlob : IDisposable
{
    internal PendingBlob(string tempPath, ImageId id, AciScan scan, long size, AciCompression compression)
    {
        TempPath = tempPath;
        Id = id;
        Scan = scan;
        Size = size;
        Compression = compression;
    }

    internal string TempPath { get; }
    public ImageId Id { get; }
    public AciScan Scan { get; }
    public ImageManifest Manifest => Scan.Manifest;
    public long Size { get; }
    public AciCompression Compression { get; }
    internal bool Committed { get; set; }

    /// <summary>Deletes the temp file unless it was committed.</summary>
    public void Dispose()
    {
        if (!Committed) TryDelete(TempPath);
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The content-addressed blob store. An ingest is invisible until <see cref="Commit"/>: bytes are decompressed,
/// hashed (SHA-512 of the uncompressed tar) and written to <c>cas/tmp</c> in one pass, fsynced and validated;
/// commit renames the file to <c>cas/blob/sha512/&lt;hh&gt;/&lt;key&gt;</c> (atomic on one filesystem) and writes the
/// normalized manifest the same way. Committing an existing key is a no-op (idempotent import).
/// </summary>
public sealed class BlobStore(CasLayout layout, ISyscalls sys)
{
    private const int BufferSize = 1 << 20;

    /// <summary>Prefix of the temp files an ingest writes in <c>cas/tmp</c>.</summary>
    public const string IngestPrefix = "ingest-";

    /// <summary>
    /// How long an ingest temp file must have gone unwritten before an import treats it as left by a killed process
    /// and deletes it (it must also not be locked: a live ingest holds an exclusive lock on its file).
    /// </summary>
    public static TimeSpan StaleTempAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="source"/> to a temp file while decompressing and hashing it.</summary>
    public PendingBlob Ingest(Stream source, long? sourceLength, string item, OperationContext ctx)
    {
        Directory.CreateDirectory(layout.Tmp);
        foreach (string removed in SweepStaleTemps()) ctx.Logger.Debug($"removed {removed}, left behind by an import that did not finish");
        string temp = Path.Combine(layout.Tmp, IngestPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using var counting = new CountingStream(source, item);
            Stream opened;
            AciCompression compression;
            // some decompressors (bzip2) decode their first block while opening, so a bad stream fails here already
            try { opened = AciFormat.OpenDecompressed(counting, out compression); }
            catch (Exception e) when (IsCorruptData(e)) { throw CorruptData(item, e); }
            using Stream tar = opened;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            long size = 0;
            AciScan scan;
            using (var output = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            }))
            {
                byte[] buffer = new byte[BufferSize];
                long lastReport = 0;
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (true)
                {
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                    int n;
                    try { n = tar.Read(buffer, 0, buffer.Length); }
                    catch (Exception e) when (IsCorruptData(e)) { throw CorruptData(item, e); }
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    output.Write(buffer, 0, n);
                    size += n;
                    if (ctx.Progress is not null && sw.ElapsedMilliseconds - lastReport >= 200)
                    {
                        lastReport = sw.ElapsedMilliseconds;
                        ctx.Progress.Report(new RktProgress("Import image", item, "Decompressing and hashing", counting.BytesRead, sourceLength));
                    }
                }
                output.Flush(flushToDisk: true);
                output.Position = 0;
                ctx.Progress?.Report(new RktProgress("Import image", item, "Validating manifest", counting.BytesRead, sourceLength));
                try { scan = AciReader.Scan(output, ctx.CancellationToken); }
                catch (InvalidAciException e) { throw new RktException(e.ErrorId == "InvalidArchive" ? RktErrorKind.Corrupt : RktErrorKind.InvalidInput, e.ErrorId, $"{item}: {e.Message}", item, e); }
                catch (ManifestException e) { throw new RktException(RktErrorKind.InvalidInput, e.ErrorId, $"{item}: invalid image manifest: {e.Message}", item, e); }
            }
            byte[] digest = hash.GetHashAndReset();
            return new PendingBlob(temp, ImageId.FromDigest(digest), scan, size, compression);
        }
        catch (UnknownArchiveFormatException e)
        {
            PendingBlob.TryDelete(temp);
            throw new RktException(RktErrorKind.InvalidInput, e.ErrorId, $"{item}: {e.Message}", item, e);
        }
        catch
        {
            PendingBlob.TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes ingest temp files older than <see cref="StaleTempAge"/> that no process holds locked (a killed import
    /// leaves its file; the kernel drops its lock). An ingest keeps its file open with FileShare.None, which .NET
    /// implements as flock(LOCK_EX), for as long as it writes and validates it; the age rule covers the short
    /// unlocked gap between validation and the rename into the blob store. Returns the deleted paths.
    /// </summary>
    public IReadOnlyList<string> SweepStaleTemps()
    {
        var removed = new List<string>();
        if (!Directory.Exists(layout.Tmp)) return removed;
        DateTime cutoff = DateTime.UtcNow - StaleTempAge;
        foreach (string f in Directory.EnumerateFiles(layout.Tmp, IngestPrefix + "*"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(f) > cutoff) continue;
                using FileLock? held = FileLock.TryAcquire(sys, f, LockKind.Exclusive);
                if (held is null) continue;
                File.Delete(f);
                removed.Add(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>What the decompressors throw on corrupt or truncated input.</summary>
    private static bool IsCorruptData(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException
        || e.GetType().Namespace?.StartsWith("SharpCompress", StringComparison.Ordinal) == true;

    private static RktException CorruptData(string item, Exception e) =>
        new(RktErrorKind.Corrupt, "InvalidArchive", $"{item}: the compressed data is corrupt or truncated: {e.Message}", item, e);

    /// <summary>Makes a pending blob visible. The caller holds the image's key lock.</summary>
    public void Commit(PendingBlob pending)
    {
        string blob = layout.Blob(pending.Id);
        string manifest = layout.Manifest(pending.Id);
        string blobDir = Path.GetDirectoryName(blob)!;
        Directory.CreateDirectory(blobDir);
        if (!File.Exists(blob))
        {
            File.SetUnixFileMode(pending.TempPath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(pending.TempPath, blob, overwrite: false);
            pending.Committed = true;
            sys.FsyncDirectory(blobDir);
        }
        if (!File.Exists(manifest)) WriteAtomically(manifest, pending.Manifest.ToJson());
    }

    /// <summary>True when the blob of <paramref name="id"/> is on disk.</summary>
    public bool Exists(ImageId id) => File.Exists(layout.Blob(id));

    /// <summary>Opens the uncompressed tar for reading.</summary>
    public FileStream OpenRead(ImageId id) =>
        new(layout.Blob(id), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);

    /// <summary>Reads the stored manifest.</summary>
    public ImageManifest ReadManifest(ImageId id) => ImageManifest.Parse(File.ReadAllBytes(layout.Manifest(id)));

    /// <summary>Deletes blob and manifest; returns the paths it could not delete.</summary>
    public IReadOnlyList<string> Delete(ImageId id)
    {
        var left = new List<string>();
        foreach (string p in new[] { layout.Blob(id), layout.Manifest(id) })
        {
            try { File.Delete(p); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { left.Add(p); }
        }
        return left;
    }

    /// <summary>Writes a file by temp + fsync + rename, so readers see the old or the new content, never a part.</summary>
    public void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            sys.FsyncDirectory(dir);
        }
        catch
        {
            PendingBlob.TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Counts bytes read from the (possibly compressed) source for progress, and names a failing read of the
    /// source (EIO, a vanished network file) as the source's fault rather than the store's.
    /// </summary>
    private sealed class CountingStream(Stream inner, string item) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n;
            try { n = inner.Read(buffer); }
            catch (IOException e) when (e is not NativeCallException)
            {
                throw new RktException(RktErrorKind.InvalidInput, "ImageFileUnreadable", $"{item}: cannot be read: {e.Message}", item, e);
            }
            BytesRead += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
