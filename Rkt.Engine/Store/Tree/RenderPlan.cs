// SPDX-License-Identifier: MIT
using System.Formats.Tar;
using Rkt.Formats.Aci;

namespace Rkt.Engine.Store.Tree;

/// <summary>
/// appc acirenderer's "which file wins" decision, computed from tar headers before anything is extracted.
/// Rules (docs/architecture.md "Rendering"): images are taken in flattened order; the first occurrence of a
/// path wins; an image's own pathWhitelist filters its non-directories; the whitelist of its top-most true
/// ancestor that has one filters everything (rkt could pick a sibling's whitelist here, Appendix A5: we walk
/// the real ancestor chain); a path below something an earlier image laid down as a non-directory is skipped;
/// only the top image's manifest is used. A directory entry that passes is applied even where an upper image's
/// file already made the directory implicitly (<see cref="ExtractOptions.AdoptExistingDirectories"/>).
/// </summary>
public static class RenderPlan
{
    /// <summary>Entry names (cleaned, e.g. <c>rootfs/bin/sh</c>) to extract from each image of the list.</summary>
    public static IReadOnlyList<HashSet<string>> Compute(IReadOnlyList<FlatImage> images, Func<int, Stream> openTar, CancellationToken ct)
    {
        var all = new Dictionary<string, TarEntryType>(StringComparer.Ordinal);
        var result = new List<HashSet<string>>();
        for (int i = 0; i < images.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            HashSet<string>? own = Whitelist(images[i].Manifest.PathWhitelist);
            HashSet<string>? upper = null;
            for (int k = images[i].Parent; k >= 0; k = images[k].Parent)
                if (Whitelist(images[k].Manifest.PathWhitelist) is { } w) upper = w;
            var take = new HashSet<string>(StringComparer.Ordinal);
            using Stream tar = openTar(i);
            using var reader = new TarReader(tar);
            TarEntry? e;
            while ((e = reader.GetNextEntry(copyData: false)) is not null)
            {
                if (e.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                string? name = AciReader.CleanName(e.Name);
                if (name is null) continue; // rejected at import; never extracted
                bool isRootfs = name == "rootfs";
                if (!isRootfs && !name.StartsWith("rootfs/", StringComparison.Ordinal)) continue;
                bool isDir = e.EntryType == TarEntryType.Directory;
                // rootfs itself is in no whitelist; like every path, its first copy (the top image's) wins
                // (rkt left the last image's rootfs metadata on disk).
                if (!isRootfs && !isDir && own is not null && !own.Contains(name)) continue;
                if (!isRootfs && upper is not null && !upper.Contains(name)) continue;
                if (all.ContainsKey(name)) continue;
                if (HasNonDirAncestor(name, all)) continue;
                all[name] = e.EntryType;
                take.Add(name);
            }
            result.Add(take);
        }
        return result;
    }

    private static HashSet<string>? Whitelist(IReadOnlyList<string> pwl) =>
        pwl.Count == 0 ? null : pwl.Select(p => AciReader.CleanName("rootfs/" + p.TrimStart('/')) ?? "").ToHashSet(StringComparer.Ordinal);

    private static bool HasNonDirAncestor(string name, Dictionary<string, TarEntryType> all)
    {
        if (name.Length <= "rootfs/".Length) return false; // rootfs itself
        for (int i = name.IndexOf('/', "rootfs/".Length); i > 0; i = name.IndexOf('/', i + 1))
            if (all.TryGetValue(name[..i], out TarEntryType t) && t != TarEntryType.Directory) return true;
        return false;
    }
}
