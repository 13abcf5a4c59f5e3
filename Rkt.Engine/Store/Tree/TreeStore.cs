// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Rkt.Engine.Errors;
using Rkt.Engine.Images;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Index;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Model;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Tree;

/// <summary>How <see cref="TreeStore.Render(ImageId, TreeRenderOptions, OperationContext)"/> treats a cached tree.</summary>
public sealed record TreeRenderOptions
{
    /// <summary>Use a rendered tree without recomputing its hash (rkt's <c>--insecure-options=ondisk</c>).</summary>
    public bool SkipVerify { get; init; }

    /// <summary>Render again even when a complete tree exists.</summary>
    public bool Rebuild { get; init; }
}

/// <summary>A rendered tree: <c>cas/tree/&lt;id&gt;/</c> with <c>manifest</c> and <c>rootfs/</c>.</summary>
public sealed record RenderedTree(string TreeId, string Path, IReadOnlyList<string> ImageKeys)
{
    /// <summary>The rendered root filesystem (an overlay lowerdir).</summary>
    public string Rootfs => System.IO.Path.Combine(Path, "rootfs");
}

/// <summary>
/// The tree store: each image rendered with its dependencies into <c>cas/tree/&lt;treeStoreID&gt;</c>, where the ID is
/// rkt's (<c>deps-sha512-</c> + 64 hex of SHA-512 over the comma-joined keys of the flattened list). A tree is
/// complete only once its <c>rendered</c> marker exists; rendering happens under the tree's key lock, so a crash
/// leaves an unmarked tree that the next render removes and redoes.
/// </summary>
public sealed class TreeStore
{
    private readonly CasLayout _cas;
    private readonly ImageService _images;
    private readonly ISyscalls _sys;

    internal TreeStore(CasLayout cas, ImageService images, ISyscalls sys)
    {
        _cas = cas;
        _images = images;
        _sys = sys;
    }

    /// <summary>rkt's tree store ID for a flattened key list.</summary>
    public static string ComputeTreeId(IEnumerable<string> keys)
    {
        byte[] digest = SHA512.HashData(Encoding.UTF8.GetBytes(string.Join(",", keys)));
        return "deps-" + ImageId.Prefix + Convert.ToHexStringLower(digest)[..ImageId.HexLength];
    }

    /// <summary>Path of a tree.</summary>
    public string PathOf(string treeId) => Path.Combine(_cas.Trees, treeId);

    /// <summary>Renders <paramref name="top"/> with its dependencies, or returns the cached tree (verified).</summary>
    public RenderedTree Render(ImageId top, OperationContext ctx) => Render(top, new TreeRenderOptions(), ctx);

    /// <summary>
    /// Renders <paramref name="top"/> with its dependencies, or returns the cached tree. A cached tree is used only
    /// if its <c>rendered</c> marker exists and, unless <see cref="TreeRenderOptions.SkipVerify"/>, its tree hash
    /// still equals the one recorded at render; otherwise it is rendered again (with a warning).
    /// </summary>
    public RenderedTree Render(ImageId top, TreeRenderOptions options, OperationContext ctx)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<FlatImage> flat = new DependencyResolver(_images).Flatten(top);
        var keys = flat.Select(f => f.Id.Value).ToList();
        string treeId = ComputeTreeId(keys);
        string dir = PathOf(treeId);
        string name = flat[0].Manifest.DisplayName;
        Directory.CreateDirectory(_cas.TreeLocks);
        using FileLock l = AcquireTreeLock(treeId, LockKind.Exclusive, ctx);
        _images.MarkUsed(flat.Select(f => f.Id)); // rkt bumped lastused on every blob read; a cached tree is a use too
        if (!options.Rebuild && File.Exists(Path.Combine(dir, RenderedFile)))
        {
            if (options.SkipVerify)
            {
                ctx.Logger.Verbose($"tree {treeId[..24]} for {name} is already rendered (not verified: OnDisk)");
                TouchRow(treeId, dir, top, keys, null);
                return new RenderedTree(treeId, dir, keys);
            }
            string? recorded = ReadRecordedHash(dir);
            string actual = TreeHash.Compute(_sys, dir, TreeHashMode.Metadata, ctx.CancellationToken);
            if (recorded == actual)
            {
                ctx.Logger.Verbose($"tree {treeId[..24]} for {name} is already rendered and matches its hash {actual[..19]}");
                TouchRow(treeId, dir, top, keys, actual);
                return new RenderedTree(treeId, dir, keys);
            }
            ctx.Logger.Warning($"the rendered tree {treeId} of {name} has changed on disk (hash {actual[..19]}, recorded {(recorded ?? "none")[..Math.Min(19, (recorded ?? "none").Length)]}); rendering it again");
            Unmark(dir);
        }
        else if (Directory.Exists(dir))
        {
            ctx.Logger.Warning($"removing the incomplete tree {treeId} of {name} left by an interrupted render");
        }
        DeleteTree(dir);
        Directory.CreateDirectory(dir);
        try
        {
            RenderInto(dir, flat, ctx);
            File.WriteAllBytes(Path.Combine(dir, "manifest"), flat[0].Manifest.ToJson());
            string hash = TreeHash.Compute(_sys, dir, TreeHashMode.Metadata, ctx.CancellationToken);
            File.WriteAllText(Path.Combine(dir, HashFile), hash);
            File.WriteAllText(Path.Combine(dir, "image"), top.Value);
            // Everything written so far must be durable before the marker says the tree is complete (rkt: syncfs).
            using (var h = _sys.OpenDirectory(dir)) _sys.Syncfs(h);
            File.WriteAllBytes(Path.Combine(dir, RenderedFile), []);
            _sys.FsyncDirectory(dir);
            long size = DirectorySize(dir);
            DateTime now = DateTime.UtcNow;
            _images.Index.Run(t =>
            {
                t.Trees.Upsert(new TreeRow { TreeId = treeId, BlobKey = top.Value, ImageKeys = keys, Size = size, RenderTime = now, LastUsed = now, Hash = hash });
                UpdateImageTreeSize(t, top.Value);
            });
            ctx.Logger.Verbose($"rendered {name} into {dir} (hash {hash[..19]})");
            ctx.Progress?.Report(new RktProgress("Render tree", name, "Done", flat.Count, flat.Count, IsFinished: true));
            return new RenderedTree(treeId, dir, keys);
        }
        catch
        {
            DeleteTree(dir);
            throw;
        }
    }

    /// <summary>
    /// Recomputes a rendered tree's hash and compares it with the recorded one (rkt's Check). False when the
    /// tree is missing, incomplete or changed.
    /// </summary>
    public bool Verify(string treeId, OperationContext ctx)
    {
        using FileLock l = AcquireTreeLock(treeId, LockKind.Shared, ctx);
        string dir = PathOf(treeId);
        if (!File.Exists(Path.Combine(dir, RenderedFile))) return false;
        string? recorded = ReadRecordedHash(dir);
        return recorded is not null && recorded == TreeHash.Compute(_sys, dir, TreeHashMode.Metadata, ctx.CancellationToken);
    }

    /// <summary>
    /// Extracts every image of <paramref name="flat"/> into <paramref name="dir"/> following <see cref="RenderPlan"/>,
    /// holding the store lock and each image's key lock shared so no image can be removed meanwhile.
    /// </summary>
    private void RenderInto(string dir, IReadOnlyList<FlatImage> flat, OperationContext ctx)
    {
        string name = flat[0].Manifest.DisplayName;
        using FileLock store = _images.StoreLock(ctx);
        var keyLocks = new List<FileLock>();
        try
        {
            foreach (ImageId id in flat.Select(f => f.Id).Distinct().Order())
            {
                keyLocks.Add(_images.KeyLock(id, LockKind.Shared, ctx));
                if (!_images.Blobs.Exists(id))
                    throw new RktException(RktErrorKind.NotFound, "ImageNotFound", $"image {id} (needed to render {name}) is not in the store", id.Value);
            }
            ctx.Logger.Verbose($"rendering {name} with {flat.Count - 1} dependencies into {dir}");
            IReadOnlyList<HashSet<string>> plan = RenderPlan.Compute(flat, i => _images.OpenBlob(flat[i].Id, markUsed: false), ctx.CancellationToken);
            var extractor = new RootfsExtractor(_sys);
            bool root = _sys.EffectiveUserId == 0;
            var stamps = new List<DirectoryTimes>();
            for (int i = 0; i < flat.Count; i++)
            {
                ctx.Progress?.Report(new RktProgress("Render tree", name, $"Extracting {flat[i].Manifest.DisplayName}", i, flat.Count));
                HashSet<string> take = plan[i];
                using Stream tar = _images.OpenBlob(flat[i].Id, markUsed: false);
                ExtractResult r;
                try
                {
                    r = extractor.Extract(tar, dir, new ExtractOptions
                    {
                        Filter = take.Contains,
                        NoOverwrite = true,
                        AdoptExistingDirectories = true,
                        PreserveOwnership = root,
                        CreateDevices = root,
                    }, ctx.CancellationToken);
                }
                catch (UnsafeArchiveException e)
                {
                    throw new RktException(e.ErrorId == UnsafeArchiveException.CorruptArchive ? RktErrorKind.Corrupt : RktErrorKind.InvalidInput, e.ErrorId,
                        $"cannot render {name}: image {flat[i].Manifest.DisplayName} ({flat[i].Id.ShortId}): {e.Message}", flat[i].Id.Value, e);
                }
                stamps.AddRange(r.DirectoryTimes);
            }
            // Lower images add entries to directories an upper image already stamped: restore every directory's
            // own times once all images are in (setting times does not touch the parent's mtime).
            foreach (DirectoryTimes d in stamps)
            {
                string full = d.Path.Length == 0 ? dir : Path.Combine(dir, d.Path);
                if (_sys.TryLstat(full, out FileStatus st) && st.Kind == FileKind.Directory) _sys.SetTimes(full, d.AccessTime, d.ModificationTime);
            }
        }
        finally
        {
            foreach (FileLock k in keyLocks) k.Dispose();
        }
    }

    /// <summary>Removes a tree (marker first, so a crash leaves an unrendered tree) and its index row.</summary>
    public void Remove(string treeId, OperationContext ctx)
    {
        using FileLock l = AcquireTreeLock(treeId, LockKind.Exclusive, ctx);
        string dir = PathOf(treeId);
        Unmark(dir);
        DeleteTree(dir);
        _images.Index.Run(t =>
        {
            TreeRow? tr = t.Trees.FindById(treeId);
            t.Trees.Delete(treeId);
            if (tr is not null) UpdateImageTreeSize(t, tr.BlobKey);
        });
    }

    /// <summary>Trees recorded for an image.</summary>
    public IReadOnlyList<TreeRow> TreesOf(ImageId id) => _images.Index.Run(t => t.Trees.Find(x => x.BlobKey == id.Value).ToList());

    /// <summary>Every tree row.</summary>
    public IReadOnlyList<TreeRow> All() => _images.Index.Run(t => t.Trees.FindAll().ToList());

    internal FileLock AcquireTreeLock(string treeId, LockKind kind, OperationContext ctx)
    {
        Directory.CreateDirectory(_cas.TreeLocks);
        try { return FileLock.Acquire(_sys, Path.Combine(_cas.TreeLocks, treeId), kind, TimeSpan.FromMinutes(10), ctx.CancellationToken); }
        catch (TimeoutException e) { throw new RktException(RktErrorKind.Busy, "StoreBusy", $"tree {treeId} is locked by another process", treeId, e); }
    }

    /// <summary>The completion marker.</summary>
    internal const string RenderedFile = "rendered";

    /// <summary>The recorded tree hash (text <c>sha512-</c> + 64 hex).</summary>
    internal const string HashFile = "hash";

    private static string? ReadRecordedHash(string dir)
    {
        try { return File.ReadAllText(Path.Combine(dir, HashFile)).Trim(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    /// <summary>Deletes the marker first and makes that durable, so a crash in the middle of a removal leaves an unrendered tree.</summary>
    private void Unmark(string dir)
    {
        string marker = Path.Combine(dir, RenderedFile);
        if (!File.Exists(marker)) return;
        File.Delete(marker);
        _sys.FsyncDirectory(dir);
    }

    /// <summary>Bumps LastUsed; recreates the row of a rendered tree whose row is missing (e.g. an index restored from a backup).</summary>
    private void TouchRow(string treeId, string dir, ImageId top, List<string> keys, string? hash)
    {
        bool exists = _images.Index.Run(t =>
        {
            if (t.Trees.FindById(treeId) is not { } r) return false;
            r.LastUsed = DateTime.UtcNow;
            t.Trees.Update(r);
            return true;
        });
        if (exists) return;
        long size = DirectorySize(dir);
        hash ??= ReadRecordedHash(dir) ?? "";
        _images.Index.Run(t =>
        {
            DateTime now = DateTime.UtcNow;
            t.Trees.Upsert(new TreeRow { TreeId = treeId, BlobKey = top.Value, ImageKeys = keys, Size = size, RenderTime = now, LastUsed = now, Hash = hash });
            UpdateImageTreeSize(t, top.Value);
        });
    }

    private static void UpdateImageTreeSize(IndexTransaction t, string blobKey)
    {
        if (t.Images.FindById(blobKey) is not { } row) return;
        row.TreeStoreSize = t.Trees.Find(x => x.BlobKey == blobKey).Sum(x => x.Size);
        t.Images.Update(row);
    }

    /// <summary>Deletes a directory tree without following symlinks (Directory.Delete removes links, not targets).</summary>
    internal static void DeleteTree(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Bytes the tree occupies on disk (du-style: allocated blocks, each inode once).</summary>
    internal long DirectorySize(string dir) => new DiskUsage(_sys).Measure(dir).Bytes;
}
