// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Rkt.Engine.Errors;
using Rkt.Engine.Images;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Index;
using Rkt.Engine.Store.Locks;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Tree;

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

    /// <summary>Renders <paramref name="top"/> with its dependencies, or returns the cached tree.</summary>
    public RenderedTree Render(ImageId top, OperationContext ctx)
    {
        IReadOnlyList<FlatImage> flat = new DependencyResolver(_images).Flatten(top);
        var keys = flat.Select(f => f.Id.Value).ToList();
        string treeId = ComputeTreeId(keys);
        string dir = PathOf(treeId);
        Directory.CreateDirectory(_cas.TreeLocks);
        using FileLock l = AcquireTreeLock(treeId, LockKind.Exclusive, ctx);
        if (File.Exists(Path.Combine(dir, "rendered")))
        {
            ctx.Logger.Verbose($"tree {treeId[..24]} for {flat[0].Manifest.DisplayName} is already rendered");
            TouchRow(treeId);
            return new RenderedTree(treeId, dir, keys);
        }
        if (Directory.Exists(dir))
        {
            ctx.Logger.Warning($"removing the incomplete tree {treeId} left by an interrupted render");
            DeleteTree(dir);
        }
        Directory.CreateDirectory(dir);
        try
        {
            ctx.Logger.Verbose($"rendering {flat[0].Manifest.DisplayName} with {flat.Count - 1} dependencies into {dir}");
            IReadOnlyList<HashSet<string>> plan = RenderPlan.Compute(flat, i => _images.OpenBlob(flat[i].Id), ctx.CancellationToken);
            var extractor = new RootfsExtractor(_sys);
            bool root = _sys.EffectiveUserId == 0;
            for (int i = 0; i < flat.Count; i++)
            {
                ctx.Progress?.Report(new RktProgress("Render tree", flat[0].Manifest.DisplayName, $"Extracting {flat[i].Manifest.DisplayName}", i, flat.Count));
                HashSet<string> take = plan[i];
                using Stream tar = _images.OpenBlob(flat[i].Id, markUsed: i == 0);
                extractor.Extract(tar, dir, new ExtractOptions
                {
                    Filter = take.Contains,
                    NoOverwrite = true,
                    PreserveOwnership = root,
                    CreateDevices = root,
                }, ctx.CancellationToken);
            }
            File.WriteAllBytes(Path.Combine(dir, "manifest"), flat[0].Manifest.ToJson());
            File.WriteAllText(Path.Combine(dir, "image"), top.Value);
            long size = DirectorySize(dir);
            _sys.FsyncDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "rendered"), []);
            _sys.FsyncDirectory(dir);
            DateTime now = DateTime.UtcNow;
            _images.Index.Run(t =>
            {
                t.Trees.Upsert(new TreeRow { TreeId = treeId, BlobKey = top.Value, ImageKeys = keys, Size = size, RenderTime = now, LastUsed = now });
                if (t.Images.FindById(top.Value) is { } row)
                {
                    row.TreeStoreSize = t.Trees.Find(x => x.BlobKey == top.Value).Sum(x => x.Size);
                    t.Images.Update(row);
                }
            });
            ctx.Progress?.Report(new RktProgress("Render tree", flat[0].Manifest.DisplayName, "Done", flat.Count, flat.Count, IsFinished: true));
            return new RenderedTree(treeId, dir, keys);
        }
        catch
        {
            DeleteTree(dir);
            throw;
        }
    }

    /// <summary>Removes a tree (marker first, so a crash leaves an unrendered tree) and its index row.</summary>
    public void Remove(string treeId, OperationContext ctx)
    {
        using FileLock l = AcquireTreeLock(treeId, LockKind.Exclusive, ctx);
        string dir = PathOf(treeId);
        if (File.Exists(Path.Combine(dir, "rendered")))
        {
            File.Delete(Path.Combine(dir, "rendered"));
            _sys.FsyncDirectory(dir);
        }
        DeleteTree(dir);
        _images.Index.Run(t =>
        {
            TreeRow? tr = t.Trees.FindById(treeId);
            t.Trees.Delete(treeId);
            if (tr is not null && t.Images.FindById(tr.BlobKey) is { } row)
            {
                row.TreeStoreSize = t.Trees.Find(x => x.BlobKey == tr.BlobKey).Sum(x => x.Size);
                t.Images.Update(row);
            }
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

    private void TouchRow(string treeId) => _images.Index.Run(t =>
    {
        if (t.Trees.FindById(treeId) is { } r) { r.LastUsed = DateTime.UtcNow; t.Trees.Update(r); }
    });

    /// <summary>Deletes a directory tree without following symlinks (Directory.Delete removes links, not targets).</summary>
    internal static void DeleteTree(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>rkt's DirSize: lstat sizes of every entry, directories and symlinks included.</summary>
    internal static long DirectorySize(string dir)
    {
        long total = 0;
        var opts = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        foreach (FileSystemInfo fi in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", opts))
            total += fi is FileInfo f && f.LinkTarget is null ? f.Length : 0;
        return total;
    }
}
