// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Stage1.Rootfs;

namespace Rkt.Stage1.Pod;

/// <summary>One volume bind the app gets: host (or pod-owned) source to an in-app target path.</summary>
internal sealed record VolumeMount(string VolumeName, VolumeKind Kind, string Source, string Target, bool ReadOnly, bool Recursive,
    string Mode, uint Uid, uint Gid);

/// <summary>
/// Joins the app's mounts and mount points with the pod's volumes (rkt fly §5.4, plus <c>empty</c> volumes):
/// runtime <c>mounts[]</c> first, then every mount point not already mounted, which must name a volume (fly creates
/// no implicit volumes). <c>readOnly</c> comes from the volume, else the mount point; <c>recursive</c> defaults to
/// false. Host sources must exist. The result is ordered shallow targets first so a parent never hides a child.
/// </summary>
internal static class VolumePlan
{
    public static List<VolumeMount> Build(FlyApp flyApp)
    {
        App app = flyApp.App ?? throw new InvalidOperationException("LoadImage first");
        FlyPod pod = flyApp.Pod;
        var volumes = pod.Manifest.Volumes.ToDictionary(v => v.Name.Value, StringComparer.Ordinal);

        // Mount points: the final app's, plus the image's when the pod replaced the app (same name, other path: error).
        var mountPoints = new List<MountPoint>(app.MountPoints);
        if (flyApp.RuntimeApp.App is not null && flyApp.Image?.App is { } imageApp)
        {
            foreach (MountPoint ip in imageApp.MountPoints)
            {
                MountPoint? same = mountPoints.FirstOrDefault(m => m.Name == ip.Name);
                if (same is null) mountPoints.Add(ip);
                else if (RootfsPath.Normalize(same.Path) != RootfsPath.Normalize(ip.Path))
                    throw new Stage1Error("mount point " + ip.Name.Value, $"the image puts it at {ip.Path} but the pod's app at {same.Path}");
            }
        }

        var result = new List<VolumeMount>();
        var usedVolumes = new HashSet<string>(StringComparer.Ordinal);
        foreach (Mount m in flyApp.RuntimeApp.Mounts)
        {
            string name = m.Volume.Value;
            if (!usedVolumes.Add(name)) throw new Stage1Error("mount of volume " + name, "the volume is mounted twice in this app");
            Volume v = m.AppVolume ?? (volumes.TryGetValue(name, out Volume? found) ? found
                : throw new Stage1Error("mount of volume " + name, $"no volume named {name} in the pod manifest (target {m.Path})"));
            MountPoint? mp = mountPoints.FirstOrDefault(p => p.Name.Value == name);
            result.Add(Make(pod, v, m.Path, v.ReadOnly ?? mp?.ReadOnly ?? false));
        }
        foreach (MountPoint mp in mountPoints)
        {
            string target = RootfsPath.Normalize(mp.Path);
            if (usedVolumes.Contains(mp.Name.Value) || result.Any(r => RootfsPath.Normalize(r.Target) == target)) continue;
            if (!volumes.TryGetValue(mp.Name.Value, out Volume? v))
                throw new Stage1Error("mount point " + mp.Name.Value, $"no volume named {mp.Name.Value} for {mp.Path} (fly creates no implicit volumes)");
            usedVolumes.Add(mp.Name.Value);
            result.Add(Make(pod, v, mp.Path, v.ReadOnly ?? mp.ReadOnly));
        }
        return result.Select((r, i) => (r, i))
            .OrderBy(x => RootfsPath.Normalize(x.r.Target).Count(c => c == '/'))
            .ThenBy(x => x.i)
            .Select(x => x.r).ToList();
    }

    private static VolumeMount Make(FlyPod pod, Volume v, string target, bool readOnly)
    {
        string name = v.Name.Value;
        if (v.Kind == VolumeKind.Host)
        {
            string source = v.Source!;
            if (!Path.Exists(source))
                throw new Stage1Error("volume " + name, $"host source {source} does not exist");
            return new VolumeMount(name, VolumeKind.Host, source, target, readOnly, v.Recursive ?? false, "", 0, 0);
        }
        return new VolumeMount(name, VolumeKind.Empty, Path.Combine(pod.SharedVolumesDir, name), target, readOnly, v.Recursive ?? false,
            v.Mode ?? "0755", (uint)(v.Uid ?? 0), (uint)(v.Gid ?? 0));
    }

    /// <summary>
    /// Every <c>empty</c> volume of the pod (pod-level and inline app volumes), each once, in manifest order: the run
    /// supervisor creates them all under <c>sharedVolumes/&lt;name&gt;</c> before any app starts, so every app that
    /// mounts one sees the same directory.
    /// </summary>
    public static List<VolumeMount> EmptyVolumes(FlyPod pod)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<VolumeMount>();
        IEnumerable<Volume> all = pod.Manifest.Volumes.Concat(pod.Apps.SelectMany(a => a.RuntimeApp.Mounts).Select(m => m.AppVolume).OfType<Volume>());
        foreach (Volume v in all)
            if (v.Kind == VolumeKind.Empty && seen.Add(v.Name.Value)) list.Add(Make(pod, v, "/", false));
        return list;
    }
}
