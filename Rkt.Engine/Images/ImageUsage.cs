// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Engine.Images;

/// <summary>
/// Which images and trees pods still use. Reads the pod directories (the filesystem is the source of truth for
/// pods). A live pod (embryo, prepare, prepared, run) uses every app image ID in its pod manifest, the stage1
/// image ID stage0 records in <c>stage1ImageID</c>, and every image of the trees it references (its
/// <c>stage1TreeStoreID</c> and <c>appsinfo/&lt;app&gt;/treeStoreID</c>, resolved through <paramref name="treeImages"/>),
/// so a dependency is pinned by the pods whose trees contain it. Pods in <c>exited-garbage</c> and
/// <c>garbage</c> pin no images (they are on their way out) but still pin their trees, which may be overlay
/// lowerdirs until the pod is deleted.
/// </summary>
/// <param name="paths">The data directory.</param>
/// <param name="treeImages">Tree ID → image keys of its flattened list (the index's tree rows); null: trees pin nothing.</param>
public sealed class ImageUsage(RktPaths paths, IReadOnlyDictionary<string, IReadOnlyList<string>>? treeImages = null)
{
    private static readonly string[] LiveStates = ["embryo", "prepare", "prepared", "run"];
    private static readonly string[] DeadStates = ["exited-garbage", "garbage"];

    /// <summary>Pod UUIDs (directory names) that use <paramref name="imageId"/>.</summary>
    public IReadOnlyList<string> PodsUsing(string imageId) =>
        Scan(LiveStates).Where(x => x.Images.Contains(imageId)).Select(x => x.Pod).ToList();

    /// <summary>Every image key some live pod uses.</summary>
    public IReadOnlySet<string> AllUsed() => Scan(LiveStates).SelectMany(x => x.Images).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every tree ID some pod directory (in any state) references.</summary>
    public IReadOnlySet<string> TreesInUse() =>
        Scan([.. LiveStates, .. DeadStates]).SelectMany(x => x.Trees).ToHashSet(StringComparer.Ordinal);

    private IEnumerable<(string Pod, HashSet<string> Images, HashSet<string> Trees)> Scan(string[] states)
    {
        foreach (string state in states)
        {
            string dir = Path.Combine(paths.Pods, state);
            if (!Directory.Exists(dir)) continue;
            foreach (string pod in Directory.EnumerateDirectories(dir))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                var trees = new HashSet<string>(StringComparer.Ordinal);
                try
                {
                    AddLine(trees, Path.Combine(pod, "stage1TreeStoreID"));
                    string appsinfo = Path.Combine(pod, "appsinfo");
                    if (Directory.Exists(appsinfo))
                        foreach (string app in Directory.EnumerateDirectories(appsinfo)) AddLine(trees, Path.Combine(app, "treeStoreID"));
                    string manifest = Path.Combine(pod, "pod");
                    if (File.Exists(manifest))
                        foreach (RuntimeApp app in PodManifest.Parse(File.ReadAllBytes(manifest)).Apps)
                            if (app.Image.Id is { } id && id.TryGetImageId(out var key)) ids.Add(key.Value);
                    AddLine(ids, Path.Combine(pod, "stage1ImageID"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    // a pod being written or removed: it cannot pin what it has not recorded yet
                }
                if (treeImages is not null)
                    foreach (string t in trees)
                        if (treeImages.TryGetValue(t, out IReadOnlyList<string>? keys)) ids.UnionWith(keys);
                yield return (Path.GetFileName(pod), ids, trees);
            }
        }
    }

    private static void AddLine(HashSet<string> set, string file)
    {
        if (!File.Exists(file)) return;
        string text = File.ReadAllText(file).Trim();
        if (text.Length > 0) set.Add(text);
    }
}
