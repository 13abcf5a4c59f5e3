// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Index;
using Rkt.Engine.Store.Locks;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Images;

/// <summary>Options of an import.</summary>
public sealed record ImportOptions
{
    /// <summary>Mark the image as <c>latest</c> (fetched by name without a version).</summary>
    public bool Latest { get; init; }
    /// <summary>The remote URL it came from, recorded in the <c>remote</c> collection.</summary>
    public string? SourceUrl { get; init; }
}

/// <summary>
/// Image operations: import (ingest → verify → commit → index), lookup, export, remove.
/// Lock order: store lock (shared) → image key lock → index lock (brief), as docs/architecture.md states.
/// </summary>
public sealed class ImageService
{
    private readonly RktPaths _paths;
    private readonly CasLayout _cas;
    private readonly ISyscalls _sys;

    internal ImageService(RktPaths paths, CasLayout cas, BlobStore blobs, ImageIndex index, ISyscalls sys)
    {
        _paths = paths;
        _cas = cas;
        Blobs = blobs;
        Index = index;
        _sys = sys;
    }

    /// <summary>The blob store.</summary>
    public BlobStore Blobs { get; }

    /// <summary>The index.</summary>
    public ImageIndex Index { get; }

    /// <summary>How long an import waits for another process holding the same image's lock.</summary>
    public static TimeSpan ImageLockTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Imports an ACI file (plain tar or gzip/bzip2/xz/zstd; decided by content).</summary>
    public RktImage ImportFile(string path, ImportOptions? options, OperationContext ctx)
    {
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (FileNotFoundException e) { throw new RktException(RktErrorKind.NotFound, "ImageFileNotFound", $"{path}: no such file", path, e); }
        catch (DirectoryNotFoundException e) { throw new RktException(RktErrorKind.NotFound, "ImageFileNotFound", $"{path}: no such file", path, e); }
        catch (UnauthorizedAccessException e) { throw new RktException(RktErrorKind.PermissionDenied, "ImageFileUnreadable", $"{path}: permission denied", path, e); }
        catch (IOException e) { throw new RktException(RktErrorKind.InvalidInput, "ImageFileUnreadable", $"{path}: {e.Message}", path, e); }
        using (fs)
        {
            long? length = fs.CanSeek ? fs.Length : null;
            return ImportStream(fs, length, path, options, ctx);
        }
    }

    /// <summary>Imports from a stream (a file or a download).</summary>
    public RktImage ImportStream(Stream source, long? length, string item, ImportOptions? options, OperationContext ctx)
    {
        options ??= new ImportOptions();
        using var store = StoreLock(ctx);
        // an index this version cannot use (newer schema, corrupt) fails the import before any byte is written
        if (File.Exists(_cas.DbFile)) Index.Run(_ => { }, ctx.CancellationToken);
        PendingBlob pending;
        try { pending = Blobs.Ingest(source, length, item, ctx); }
        catch (IOException e) when (e is not Native.NativeCallException && IsStoreWriteFailure(e))
        {
            throw StoreWriteError(e);
        }
        catch (UnauthorizedAccessException e) { throw StoreWriteError(e); }
        using (pending)
        {
            ctx.Progress?.Report(new RktProgress("Import image", item, "Committing", length ?? 0, length));
            using (KeyLock(pending.Id, LockKind.Exclusive, ctx))
            {
                bool newBlob = !File.Exists(_cas.Blob(pending.Id)), newManifest = !File.Exists(_cas.Manifest(pending.Id));
                DateTime now = DateTime.UtcNow;
                try
                {
                    try { Blobs.Commit(pending); }
                    catch (IOException e) when (IsStoreWriteFailure(e)) { throw StoreWriteError(e); }
                    Index.Run(t =>
                    {
                        AciInfoRow row = t.Images.FindById(pending.Id.Value) ?? new AciInfoRow
                        {
                            BlobKey = pending.Id.Value, ImportTime = now, LastUsed = now,
                        };
                        row.Name = pending.Manifest.Name.Value;
                        row.Size = pending.Size;
                        row.Latest |= options.Latest;
                        t.Images.Upsert(row);
                        if (options.SourceUrl is { } url)
                            t.Remotes.Upsert(new RemoteRow { AciUrl = url, BlobKey = pending.Id.Value, DownloadTime = now });
                    }, ctx.CancellationToken);
                }
                catch (Exception) when (newBlob || newManifest)
                {
                    // the manifest or the row could not be written (full disk, newer schema...): take back the files this
                    // import added, but only once the index confirms it has no row for them; when unsure, GC collects them later
                    if (HasNoRow(pending.Id))
                    {
                        if (newBlob) PendingBlob.TryDelete(_cas.Blob(pending.Id));
                        if (newManifest) PendingBlob.TryDelete(_cas.Manifest(pending.Id));
                    }
                    throw;
                }
            }
            ctx.Logger.Verbose($"imported {pending.Manifest.DisplayName} as {pending.Id} ({pending.Size} bytes, {pending.Compression} compressed source)");
            ctx.Progress?.Report(new RktProgress("Import image", item, "Done", length ?? 0, length, IsFinished: true));
            return Get(pending.Id) ?? throw new RktException(RktErrorKind.Internal, "ImageNotFound", $"image {pending.Id} vanished right after import");
        }
    }

    private bool HasNoRow(ImageId id)
    {
        try { return Index.Run(t => t.Images.FindById(id.Value) is null); }
        catch (Exception e) when (e is RktException or IOException) { return false; }
    }

    /// <summary>All images, ordered by import time.</summary>
    public IReadOnlyList<RktImage> List()
    {
        List<AciInfoRow> rows = Index.Run(t => t.Images.FindAll().ToList());
        return rows.OrderBy(r => r.ImportTime).Select(ToModel).OfType<RktImage>().ToList();
    }

    /// <summary>One image by full key, or null.</summary>
    public RktImage? Get(ImageId id)
    {
        AciInfoRow? row = Index.Run(t => t.Images.FindById(id.Value));
        return row is null ? null : ToModel(row);
    }

    /// <summary>
    /// Resolves a full ID or unique prefix (<c>sha512-</c> + at least 2 hex; longer than a key is truncated).
    /// Throws ImageNotFound, or AmbiguousImageId listing the candidates.
    /// </summary>
    public RktImage ResolveId(string idOrPrefix)
    {
        if (!ImageId.TryParsePrefix(idOrPrefix, out string? prefix))
            throw new RktException(RktErrorKind.InvalidInput, "InvalidImageId",
                $"\"{idOrPrefix}\" is not an image ID: expected sha512- followed by at least 2 hex characters", idOrPrefix);
        List<AciInfoRow> rows = Index.Run(t => t.Images.Find(x => x.BlobKey.StartsWith(prefix)).ToList());
        return rows.Count switch
        {
            0 => throw new RktException(RktErrorKind.NotFound, "ImageNotFound", $"no image with ID {idOrPrefix} in the store", idOrPrefix,
                recommendedAction: "Run Get-RktImage to list the images in the store."),
            1 => ToModel(rows[0]) ?? throw new RktException(RktErrorKind.NotFound, "ImageNotFound", $"image {idOrPrefix} is listed but its files are gone", idOrPrefix),
            _ => throw new RktException(RktErrorKind.Ambiguous, "AmbiguousImageId",
                $"image ID prefix {idOrPrefix} matches {rows.Count} images: {string.Join(", ", rows.Select(r => r.BlobKey[..Math.Min(26, r.BlobKey.Length)]))}", idOrPrefix),
        };
    }

    /// <summary>
    /// rkt's GetACI: images named <paramref name="name"/> carrying every requested label; without a version label,
    /// <c>latest</c> images win; ties go to the most recent import. Null when none matches.
    /// </summary>
    public RktImage? FindBest(AcIdentifier name, IReadOnlyDictionary<string, string> labels)
    {
        List<AciInfoRow> rows = Index.Run(t => t.Images.Find(x => x.Name == name.Value).ToList());
        IEnumerable<RktImage> candidates = rows.Select(ToModel).OfType<RktImage>().Where(i => i.Manifest.Labels.Satisfies(labels));
        if (!labels.ContainsKey("version")) candidates = candidates.OrderByDescending(i => i.Latest);
        else candidates = candidates.OrderBy(_ => 0);
        return ((IOrderedEnumerable<RktImage>)candidates).ThenByDescending(i => i.ImportTime).FirstOrDefault();
    }

    /// <summary>Resolves an ID prefix or a <c>name[:version][,k=v]</c> reference against the store.</summary>
    public RktImage Resolve(string reference)
    {
        if (ImageId.LooksLikeId(reference)) return ResolveId(reference);
        ImageReference r = ImageReference.Parse(reference);
        return FindBest(r.Name, r.Labels) ?? throw new RktException(RktErrorKind.NotFound, "ImageNotFound",
            $"no image named {r} in the store", reference, recommendedAction: "Import it first with Import-RktImage, or check Get-RktImage.");
    }

    /// <summary>Reads the stored manifest of an image.</summary>
    public ImageManifest GetManifest(ImageId id) => Blobs.ReadManifest(id);

    /// <summary>Opens the blob for reading and records the use (rkt bumps lastused on blob reads).</summary>
    public FileStream OpenBlob(ImageId id, bool markUsed = true)
    {
        if (markUsed)
        {
            // lastused only steers GC: a read-only store can still be read
            try { MarkUsed(id); }
            catch (RktException e) when (e.ErrorId is "StoreNotWritable" or "StoreFull") { }
        }
        return Blobs.OpenRead(id);
    }

    /// <summary>Sets lastused to now (also done on pod start: rkt did not, see Appendix A3).</summary>
    public void MarkUsed(ImageId id) => MarkUsed([id]);

    /// <summary>Sets lastused of several images to now in one index transaction.</summary>
    public void MarkUsed(IEnumerable<ImageId> ids) => Index.Run(t =>
    {
        DateTime now = DateTime.UtcNow;
        foreach (ImageId id in ids.Distinct())
            if (t.Images.FindById(id.Value) is { } row) { row.LastUsed = now; t.Images.Update(row); }
    });

    /// <summary>
    /// Writes the image's tar, byte for byte as imported (its SHA-512 is the ID), to <paramref name="destination"/>
    /// through a temp file and a rename. Refuses an existing destination unless <paramref name="force"/>.
    /// </summary>
    public FileInfo Export(RktImage image, string destination, bool force, OperationContext ctx)
    {
        if (!force && (File.Exists(destination) || Directory.Exists(destination)))
            throw new RktException(RktErrorKind.AlreadyExists, "DestinationExists", $"{destination} exists; use -Force to overwrite it", destination);
        ImageId id = ImageId.Parse(image.Id);
        string dir = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        string temp = Path.Combine(dir, "." + Path.GetFileName(destination) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        using var store = StoreLock(ctx);
        using (KeyLock(id, LockKind.Shared, ctx))
        {
            FileStream src;
            try { src = OpenBlob(id); }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new RktException(RktErrorKind.NotFound, "ImageNotFound", $"image {image} is no longer in the store", image.Id, e,
                    recommendedAction: "Run Get-RktImage to list the images in the store.");
            }
            try
            {
                using (src)
                using (var dst = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    byte[] buf = new byte[1 << 20];
                    long done = 0, total = src.Length, lastReport = 0;
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    int n;
                    while ((n = src.Read(buf, 0, buf.Length)) > 0)
                    {
                        ctx.CancellationToken.ThrowIfCancellationRequested();
                        dst.Write(buf, 0, n);
                        done += n;
                        if (ctx.Progress is not null && sw.ElapsedMilliseconds - lastReport >= 200)
                        {
                            lastReport = sw.ElapsedMilliseconds;
                            ctx.Progress.Report(new RktProgress("Export image", image.DisplayName, "Copying", done, total));
                        }
                    }
                    dst.Flush(flushToDisk: true);
                }
                File.Move(temp, destination, overwrite: force);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                PendingBlob.TryDelete(temp);
                if (!force && File.Exists(destination))
                    throw new RktException(RktErrorKind.AlreadyExists, "DestinationExists", $"{destination} exists; use -Force to overwrite it", destination, e);
                throw new RktException(e is DirectoryNotFoundException ? RktErrorKind.NotFound : RktErrorKind.PermissionDenied, "DestinationNotWritable",
                    $"cannot write {destination}: {e.Message}", destination, e);
            }
            catch
            {
                PendingBlob.TryDelete(temp);
                throw;
            }
        }
        ctx.Progress?.Report(new RktProgress("Export image", image.DisplayName, "Done", 0, null, IsFinished: true));
        return new FileInfo(destination);
    }

    /// <summary>The tree store, attached by the engine after both exist (they refer to each other).</summary>
    internal Store.Tree.TreeStore? Trees { get; set; }

    /// <summary>What pods use, with tree references resolved through the index's tree rows.</summary>
    internal ImageUsage Usage() =>
        new(_paths, Index.Run(t => t.Trees.FindAll().ToDictionary(r => r.TreeId, r => (IReadOnlyList<string>)r.ImageKeys, StringComparer.Ordinal)));

    /// <summary>
    /// Removes an image: refuses one that a live pod uses (directly or through one of its trees) unless
    /// <paramref name="force"/>; deletes the index rows first, then the files (leftovers are reported for GC,
    /// never an index row pointing at nothing); then removes every tree that contains the image, except trees a
    /// pod references (rkt left all trees behind, Appendix A4).
    /// </summary>
    public IReadOnlyList<string> Remove(RktImage image, bool force, OperationContext ctx)
    {
        IReadOnlyList<string> left = RemoveImage(image, force, ctx);
        RemoveTreesOf(ImageId.Parse(image.Id), ctx);
        return left;
    }

    private IReadOnlyList<string> RemoveImage(RktImage image, bool force, OperationContext ctx)
    {
        ImageId id = ImageId.Parse(image.Id);
        if (!force)
        {
            IReadOnlyList<string> pods = Usage().PodsUsing(id.Value);
            if (pods.Count > 0)
                throw new RktException(RktErrorKind.InvalidState, "ImageInUse",
                    $"image {image} is used by pod(s) {string.Join(", ", pods.Select(p => p[..Math.Min(8, p.Length)]))}", image.Id,
                    recommendedAction: "Remove those pods first (Remove-RktPod), or use -Force.");
        }
        using var store = StoreLock(ctx);
        using (KeyLock(id, LockKind.Exclusive, ctx))
        {
            Index.Run(t =>
            {
                t.Images.Delete(id.Value);
                t.Remotes.DeleteMany(r => r.BlobKey == id.Value);
            }, ctx.CancellationToken);
            IReadOnlyList<string> left = Blobs.Delete(id);
            foreach (string l in left) ctx.Logger.Warning($"image {image} removed but {l} could not be deleted; garbage collection will retry");
            ctx.Logger.Verbose($"removed image {image}");
            return left;
        }
    }

    /// <summary>
    /// Removes the trees whose flattened list contains <paramref name="id"/> (they can never be rendered again
    /// without it) and that no pod references. Takes the prepare lock exclusively, without waiting: while pods are
    /// being prepared the trees are left for image garbage collection.
    /// </summary>
    private void RemoveTreesOf(ImageId id, OperationContext ctx)
    {
        if (Trees is not { } trees) return;
        var rows = trees.All().Where(r => r.BlobKey == id.Value || r.ImageKeys.Contains(id.Value)).ToList();
        if (rows.Count == 0) return;
        Directory.CreateDirectory(_paths.Locks);
        using FileLock? prepare = FileLock.TryAcquire(_sys, _paths.PrepareLock, LockKind.Exclusive);
        if (prepare is null)
        {
            ctx.Logger.Warning($"pods are being prepared; {rows.Count} tree(s) of image {id.ShortId} are left for Invoke-RktGarbageCollection -Scope Image");
            return;
        }
        IReadOnlySet<string> inUse = new ImageUsage(_paths).TreesInUse();
        foreach (var row in rows)
        {
            if (inUse.Contains(row.TreeId)) { ctx.Logger.Verbose($"keeping tree {row.TreeId}: a pod uses it"); continue; }
            ctx.Logger.Verbose($"removing tree {row.TreeId}");
            trees.Remove(row.TreeId, ctx);
        }
    }

    private RktImage? ToModel(AciInfoRow row)
    {
        if (!ImageId.TryParse(row.BlobKey, out ImageId id)) return null;
        ImageManifest manifest;
        try { manifest = Blobs.ReadManifest(id); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
        return new RktImage
        {
            Id = row.BlobKey,
            Name = row.Name,
            Version = manifest.Version,
            Labels = manifest.Labels.ToDictionary(),
            BlobSize = row.Size,
            TreeStoreSize = row.TreeStoreSize,
            ImportTime = DateTime.SpecifyKind(row.ImportTime.ToUniversalTime(), DateTimeKind.Utc),
            LastUsed = DateTime.SpecifyKind(row.LastUsed.ToUniversalTime(), DateTimeKind.Utc),
            Latest = row.Latest,
            Manifest = manifest,
            DataDirectory = _paths.DataDirectory,
        };
    }

    internal FileLock StoreLock(OperationContext ctx)
    {
        try
        {
            Directory.CreateDirectory(_cas.Root);
            return FileLock.Acquire(_sys, _cas.Root, LockKind.Shared, ImageLockTimeout, ctx.CancellationToken);
        }
        catch (TimeoutException e) { throw new RktException(RktErrorKind.Busy, "StoreBusy", $"the store {_cas.Root} is locked for maintenance", _cas.Root, e); }
        catch (UnauthorizedAccessException e) { throw StoreWriteError(e); }
        catch (IOException e) when (IsStoreWriteFailure(e)) { throw StoreWriteError(e); }
    }

    internal FileLock KeyLock(ImageId id, LockKind kind, OperationContext ctx)
    {
        Directory.CreateDirectory(_cas.ImageLocks);
        try { return FileLock.Acquire(_sys, _cas.ImageLock(id), kind, ImageLockTimeout, ctx.CancellationToken); }
        catch (TimeoutException e) { throw new RktException(RktErrorKind.Busy, "StoreBusy", $"image {id} is locked by another process", id.Value, e); }
    }

    private static bool IsStoreWriteFailure(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException io && (io.HResult is 28 or 30 or 13 or 1 // ENOSPC EROFS EACCES EPERM
            || io.Message.Contains("space", StringComparison.OrdinalIgnoreCase) || io.Message.Contains("read-only", StringComparison.OrdinalIgnoreCase)))
        || (e is Native.NativeCallException n && n.Errno is 28 or 30 or 13 or 1);

    private RktException StoreWriteError(Exception e)
    {
        bool full = e.Message.Contains("space", StringComparison.OrdinalIgnoreCase) || e.HResult == 28;
        return full
            ? new RktException(RktErrorKind.Unavailable, "StoreFull", $"no space left in the data directory {_paths.DataDirectory}: {e.Message}", _paths.DataDirectory, e)
            : new RktException(RktErrorKind.PermissionDenied, "StoreNotWritable", $"the data directory {_paths.DataDirectory} cannot be written: {e.Message}", _paths.DataDirectory, e);
    }
}
