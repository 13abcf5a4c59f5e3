// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Images;
using Rkt.Engine.Model;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Store.Tree;

/// <summary>One element of a flattened dependency list.</summary>
/// <param name="Id">The image key.</param>
/// <param name="Manifest">Its manifest.</param>
/// <param name="Level">0 for the top image, parent level + 1 below.</param>
/// <param name="Parent">Index of the image that declared this dependency, -1 for the top.</param>
public sealed record FlatImage(ImageId Id, ImageManifest Manifest, int Level, int Parent);

/// <summary>
/// Flattens an image's dependency graph the way rkt's acirenderer does: pre-order, each element's dependencies
/// inserted right after it in declared order (so later-declared ones come first). A dependency with
/// <c>imageID</c> must match it; otherwise it is resolved by name + labels in the store (newest match).
/// Unlike rkt, a cycle or a depth over <see cref="MaxDepth"/> is an error naming the chain.
/// </summary>
public sealed class DependencyResolver(ImageService images)
{
    /// <summary>Deepest dependency chain accepted.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most images in one flattened list (a diamond-heavy graph grows fast).</summary>
    public const int MaxImages = 256;

    /// <summary>Flattens the graph of <paramref name="top"/>.</summary>
    public IReadOnlyList<FlatImage> Flatten(ImageId top)
    {
        var list = new List<FlatImage> { new(top, images.GetManifest(top), 0, -1) };
        for (int i = 0; i < list.Count; i++)
        {
            FlatImage cur = list[i];
            // Each dependency goes right after its parent, so later-declared ones end up first (rkt's order).
            // Elements after i were all inserted by earlier elements, so their Parent (< i) never shifts.
            foreach (Dependency dep in cur.Manifest.Dependencies)
            {
                ImageId id = Resolve(dep, cur);
                List<ImageId> ancestors = Chain(list, i).ToList();
                if (ancestors.Contains(id))
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyCycle",
                        $"dependency cycle: {DescribeChain(ancestors.Append(id))}", top.Value);
                if (cur.Level + 1 > MaxDepth)
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyTooDeep",
                        $"dependency chain deeper than {MaxDepth}: {DescribeChain(ancestors.Append(id))}", top.Value);
                list.Insert(i + 1, new FlatImage(id, images.GetManifest(id), cur.Level + 1, i));
                if (list.Count > MaxImages)
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyGraphTooLarge",
                        $"image {Describe(top)} expands to more than {MaxImages} images (a shared dependency counts once per path); reached via {DescribeChain(ancestors.Append(id))}", top.Value);
            }
        }
        return list;
    }

    private string DescribeChain(IEnumerable<ImageId> chain) => string.Join(" -> ", chain.Select(Describe));

    private string Describe(ImageId id)
    {
        try { return $"{images.GetManifest(id).DisplayName} ({id.ShortId})"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return id.ShortId; }
    }

    private static IEnumerable<ImageId> Chain(List<FlatImage> list, int i)
    {
        var stack = new Stack<ImageId>();
        for (int k = i; k >= 0; k = list[k].Parent) stack.Push(list[k].Id);
        return stack;
    }

    private ImageId Resolve(Dependency dep, FlatImage parent)
    {
        string labels = string.Join(",", dep.Labels.Select(l => $"{l.Name}={l.Value}"));
        string what = dep.ImageName.Value + (labels.Length > 0 ? "," + labels : "");
        string by = parent.Manifest.DisplayName;
        var wantLabels = dep.Labels.ToDictionary();
        if (dep.ImageId is { } hash)
        {
            if (!hash.TryGetImageId(out ImageId want))
                throw new RktException(RktErrorKind.InvalidInput, "InvalidDependency", $"{by}: dependency {what} has imageID \"{hash}\", which is not a usable image ID", hash.Value);
            RktImage? img = null;
            try { img = images.ResolveId(want.Value); }
            catch (RktException e) when (e.Kind == RktErrorKind.NotFound) { }
            if (img is null)
            {
                // The pinned ID is absent. If the name resolves to another image, say which: the two IDs differ.
                RktImage? other = images.FindBest(dep.ImageName, wantLabels);
                if (other is not null)
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyMismatch",
                        $"{by} depends on {what} with imageID {want.Value}, but the store's {other.DisplayName} is {other.Id}", want.Value,
                        recommendedAction: $"Import the image with ID {want.ShortId}, or rebuild {by} against {other.ShortId}.");
                throw new RktException(RktErrorKind.NotFound, "DependencyNotFound",
                    $"{by} depends on {what} (imageID {want.ShortId}), which is not in the store", what,
                    recommendedAction: "Import the dependency with Import-RktImage first.");
            }
            if (img.Name != dep.ImageName.Value)
                throw new RktException(RktErrorKind.InvalidInput, "DependencyMismatch",
                    $"{by} depends on {what} with imageID {want.Value}, but image {img.Id} is named {img.DisplayName}", want.Value);
            if (!img.Manifest.Labels.Satisfies(wantLabels))
                throw new RktException(RktErrorKind.InvalidInput, "DependencyMismatch",
                    $"{by} depends on {what} with imageID {want.Value}, but image {img.Id} has labels {string.Join(",", img.Labels.Select(kv => $"{kv.Key}={kv.Value}"))}", want.Value);
            return ImageId.Parse(img.Id);
        }
        RktImage? best = images.FindBest(dep.ImageName, wantLabels);
        return best is null
            ? throw new RktException(RktErrorKind.NotFound, "DependencyNotFound", $"{by} depends on {what}, which is not in the store", what,
                recommendedAction: "Import the dependency with Import-RktImage first.")
            : ImageId.Parse(best.Id);
    }
}
