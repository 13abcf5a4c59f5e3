// SPDX-License-Identifier: MIT
using Rkt.Engine.Images;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Pods;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Store.Tree;

namespace Rkt.Engine.Gc;

/// <summary>
/// rkt image gc, in rkt's two phases: first trees no pod references (under the exclusive prepare lock, so no
/// preparation can pick a tree up meanwhile; unlike rkt, a lock that is busy is skipped, not waited for —
/// Appendix A12), then images unused for longer than the grace period that no live pod uses.
/// </summary>
public sealed class ImageCollector(RktPaths paths, ImageService images, TreeStore trees, PodStore pods, ISyscalls sys)
{
    /// <summary>Runs both phases; returns the removed images.</summary>
    public IReadOnlyList<RktImage> Collect(TimeSpan grace, OperationContext ctx)
    {
        Directory.CreateDirectory(paths.Locks);
        using (FileLock? prepare = FileLock.TryAcquire(sys, Path.Combine(paths.Locks, "prepareLock"), LockKind.Exclusive))
        {
            if (prepare is null) ctx.Logger.Warning("pods are being prepared; skipping tree collection this time");
            else CollectTrees(ctx);
        }
        var removed = new List<RktImage>();
        IReadOnlySet<string> used = new ImageUsage(paths).AllUsed();
        DateTime now = DateTime.UtcNow;
        foreach (RktImage img in images.List().OrderBy(i => i.LastUsed))
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            if (now - img.LastUsed <= grace) continue;
            if (used.Contains(img.Id)) { ctx.Logger.Verbose($"image {img} is used by a pod; keeping it"); continue; }
            foreach (var t in trees.TreesOf(Formats.Appc.Types.ImageId.Parse(img.Id))) trees.Remove(t.TreeId, ctx);
            images.Remove(img, force: true, ctx);
            removed.Add(img);
        }
        return removed;
    }

    private void CollectTrees(OperationContext ctx)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (PodLocation l in pods.List())
        {
            if (l.Dir is PodDir.Garbage) continue;
            TryAdd(referenced, Path.Combine(l.Path, PodFiles.Stage1TreeStoreId));
            string appsinfo = Path.Combine(l.Path, "appsinfo");
            if (Directory.Exists(appsinfo))
                foreach (string app in Directory.EnumerateDirectories(appsinfo)) TryAdd(referenced, Path.Combine(app, "treeStoreID"));
        }
        string root = Path.Combine(paths.Cas, "tree");
        var onDisk = Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>() : [];
        foreach (string id in onDisk.Concat(trees.All().Select(t => t.TreeId)).Distinct().ToList())
        {
            if (referenced.Contains(id)) continue;
            ctx.Logger.Verbose($"removing unreferenced tree {id}");
            trees.Remove(id, ctx);
        }
    }

    private static void TryAdd(HashSet<string> set, string file)
    {
        try { if (File.Exists(file)) set.Add(File.ReadAllText(file).Trim()); } catch (IOException) { }
    }
}
