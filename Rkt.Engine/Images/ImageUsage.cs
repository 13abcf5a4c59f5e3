// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Engine.Images;

/// <summary>
/// Which images pods still use. Reads the pod directories (the filesystem is the source of truth for pods):
/// every app image ID in each pod manifest, and the stage1 image ID stage0 records in <c>stage1ImageID</c>.
/// Pods in <c>garbage</c> and <c>exited-garbage</c> do not count: they are on their way out.
/// </summary>
public sealed class ImageUsage(RktPaths paths)
{
    private static readonly string[] LiveStates = ["embryo", "prepare", "prepared", "run"];

    /// <summary>Pod UUIDs (directory names) that use <paramref name="imageId"/>.</summary>
    public IReadOnlyList<string> PodsUsing(string imageId) =>
        Scan().Where(x => x.Images.Contains(imageId)).Select(x => x.Pod).ToList();

    /// <summary>Every image key some live pod uses.</summary>
    public IReadOnlySet<string> AllUsed() => Scan().SelectMany(x => x.Images).ToHashSet(StringComparer.Ordinal);

    private IEnumerable<(string Pod, HashSet<string> Images)> Scan()
    {
        foreach (string state in LiveStates)
        {
            string dir = Path.Combine(paths.Pods, state);
            if (!Directory.Exists(dir)) continue;
            foreach (string pod in Directory.EnumerateDirectories(dir))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                try
                {
                    string manifest = Path.Combine(pod, "pod");
                    if (File.Exists(manifest))
                        foreach (RuntimeApp app in PodManifest.Parse(File.ReadAllBytes(manifest)).Apps)
                            if (app.Image.Id is { } id && id.TryGetImageId(out var key)) ids.Add(key.Value);
                    string s1 = Path.Combine(pod, "stage1ImageID");
                    if (File.Exists(s1)) ids.Add(File.ReadAllText(s1).Trim());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    // a pod being written or removed: it cannot pin images it has not recorded yet
                }
                yield return (Path.GetFileName(pod), ids);
            }
        }
    }
}
