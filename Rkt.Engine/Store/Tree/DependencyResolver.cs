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
            int insert = i + 1;
            foreach (Dependency dep in cur.Manifest.Dependencies)
            {
                ImageId id = Resolve(dep, cur);
                var chain = Chain(list, i).Append(id).ToList();
                if (Chain(list, i).Contains(id))
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyCycle",
                        $"dependency cycle: {string.Join(" -> ", chain.Select(c => Describe(c)))}", top.Value);
                if (cur.Level + 1 > MaxDepth)
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyTooDeep",
                        $"dependency chain deeper than {MaxDepth}: {string.Join(" -> ", chain.Select(c => Describe(c)))}", top.Value);
                list.Insert(insert, new FlatImage(id, images.GetManifest(id), cur.Level + 1, i));
                if (list.Count > MaxImages)
                    throw new RktException(RktErrorKind.InvalidInput, "DependencyTooDeep", $"image {top} expands to more than {MaxImages} images", top.Value);
            }
            // fix parent indices shifted by the inserts
            if (cur.Manifest.Dependencies.Count > 0)
                for (int k = insert + cur.Manifest.Dependencies.Count; k < list.Count; k++)
                    if (list[k].Parent >= insert) list[k] = list[k] with { Parent = list[k].Parent + cur.Manifest.Dependencies.Count };
        }
        return list;
    }

    private string Describe(ImageId id)
    {
        try { return $"{images.GetManifest(id).DisplayName} ({id.ShortId})"; } catch (IOException) { return id.ShortId; }
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
        if (dep.ImageId is { } hash)
        {
            if (!hash.TryGetImageId(out ImageId want))
                throw new RktException(RktErrorKind.InvalidInput, "InvalidDependency", $"{parent.Manifest.DisplayName}: dependency {what} has imageID \"{hash}\", which is not a usable image ID", hash.Value);
            RktImage img;
            try { img = images.ResolveId(want.Value); }
            catch (RktException e) when (e.Kind == RktErrorKind.NotFound)
            {
                throw new RktException(RktErrorKind.NotFound, "DependencyNotFound", $"{parent.Manifest.DisplayName} depends on {what} ({want.ShortId}), which is not in the store", what, e,
                    "Import the dependency with Import-RktImage first.");
            }
            if (img.Name != dep.ImageName.Value)
                throw new RktException(RktErrorKind.InvalidInput, "DependencyMismatch",
                    $"{parent.Manifest.DisplayName}: dependency {dep.ImageName} has imageID {want.ShortId}, but that image is {img.DisplayName}", want.Value);
            if (!img.Manifest.Labels.Satisfies(dep.Labels.ToDictionary()))
                throw new RktException(RktErrorKind.InvalidInput, "DependencyMismatch",
                    $"{parent.Manifest.DisplayName}: dependency {what} has imageID {want.ShortId}, whose labels differ", want.Value);
            return ImageId.Parse(img.Id);
        }
        RktImage? best = images.FindBest(dep.ImageName, dep.Labels.ToDictionary());
        return best is null
            ? throw new RktException(RktErrorKind.NotFound, "DependencyNotFound", $"{parent.Manifest.DisplayName} depends on {what}, which is not in the store", what,
                recommendedAction: "Import the dependency with Import-RktImage first.")
            : ImageId.Parse(best.Id);
    }
}
