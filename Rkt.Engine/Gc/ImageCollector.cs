// SPDX-License-Identifier: MIT
using Rkt.Engine.Images;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Store.Tree;

namespace Rkt.Engine.Gc;

/// <summary>
/// rkt image gc, in rkt's two phases: first trees no pod references (under the exclusive prepare lock, so no
/// preparation can pick a tree up meanwhile; unlike rkt, a lock that is busy is skipped, not waited for —
/// Appendix A12), then images unused for longer than the grace period that no live pod uses, directly or as a
/// dependency of a tree it references.
/// </summary>
public sealed class ImageCollector(RktPaths paths, ImageService images, TreeStore trees, ISyscalls sys)
{
    /// <summary>Runs both phases; returns the removed images.</summary>
    public IReadOnlyList<RktImage> Collect(TimeSpan grace, OperationContext ctx)
    {
        Directory.CreateDirectory(paths.Locks);
        using (FileLock? prepare = FileLock.TryAcquire(sys, paths.PrepareLock, LockKind.Exclusive))
        {
            if (prepare is null) ctx.Logger.Warning("pods are being prepared; skipping tree collection this time");
            else CollectTrees(ctx);
        }
        var removed = new List<RktImage>();
        // Images a live pod uses, directly or as a dependency inside one of its trees.
        IReadOnlySet<string> used = images.Usage().AllUsed();
        DateTime now = DateTime.UtcNow;
        foreach (RktImage img in images.List().OrderBy(i => i.LastUsed))
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            if (now - img.LastUsed <= grace) continue;
            if (used.Contains(img.Id)) { ctx.Logger.Verbose($"image {img} is used by a pod; keeping it"); continue; }
            images.Remove(img, force: true, ctx); // also removes its trees that no pod references
            removed.Add(img);
        }
        return removed;
    }

    /// <summary>Removes every tree (on disk or in the index) that no pod directory references, whatever its state.</summary>
    private void CollectTrees(OperationContext ctx)
    {
        IReadOnlySet<string> referenced = new ImageUsage(paths).TreesInUse();
        string root = Path.Combine(paths.Cas, "tree");
        var onDisk = Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>() : [];
        foreach (string id in onDisk.Concat(trees.All().Select(t => t.TreeId)).Distinct().ToList())
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            if (referenced.Contains(id)) continue;
            ctx.Logger.Verbose($"removing unreferenced tree {id}");
            trees.Remove(id, ctx);
        }
    }
}
