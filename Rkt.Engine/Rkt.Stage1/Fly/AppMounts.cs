// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Formats.Appc;
using Rkt.Stage1.Pod;
using Rkt.Stage1.Rootfs;
using static Rkt.Engine.Native.Linux.ProcessCalls;

namespace Rkt.Stage1.Fly;

/// <summary>
/// Builds the app's filesystem view in a mount namespace of its own.
/// </summary>
/// <remarks>
/// Improvement over rkt fly (whose binds live in the host namespace until <c>rkt gc</c>, complaint #1): the app-init
/// process calls unshare(CLONE_NEWNS) and makes "/" recursively a slave, so host mounts still propagate in but
/// nothing propagates out. The /dev, /proc, /sys binds, the /tmp tmpfs, the volume binds and the /etc/hosts and
/// /etc/resolv.conf binds exist only in that namespace and vanish when the app (its last member) exits. Read-only
/// binds are really read-only: bind first, then MS_REMOUNT|MS_BIND|MS_RDONLY (rkt passes MS_RDONLY with the bind,
/// which Linux ignores). Every target is resolved inside the app rootfs just before its mount, so a symlink in the
/// image can never redirect a mount onto the host.
/// </remarks>
internal static class AppMounts
{
    public static void Apply(FlyApp app, IReadOnlyList<VolumeMount> volumes)
    {
        string rfs = app.AppRootfs;
        Unshare(CLONE_NEWNS);
        Log.Step("unshare(CLONE_NEWNS): the app gets a private mount namespace");
        DoMount(null, "/", null, MountFlags.Recursive | MountFlags.Slave, null);

        foreach (string api in new[] { "/dev", "/proc", "/sys" })
        {
            string target = EnsureTarget(rfs, api, sourceIsDir: true);
            DoMount(api, target, null, MountFlags.Bind | MountFlags.Recursive, null);
        }
        DoMount("tmpfs", EnsureTarget(rfs, "/tmp", sourceIsDir: true), "tmpfs", MountFlags.NoSuid | MountFlags.NoDev, "mode=1777");

        foreach (VolumeMount v in volumes)
        {
            string source = v.Source;
            if (v.Kind == VolumeKind.Empty && !Directory.Exists(source))
                throw new Stage1Error("volume " + v.VolumeName, $"{source} is missing (the run supervisor creates empty volumes before the apps start)");
            bool isDir = Directory.Exists(source);
            string target = EnsureTarget(rfs, v.Target, isDir, "volume " + v.VolumeName);
            DoMount(source, target, null, MountFlags.Bind | (v.Recursive ? MountFlags.Recursive : MountFlags.None), null, $"volume {v.VolumeName}");
            if (v.ReadOnly) RemountReadOnly(target, v.Recursive);
        }

        if (Directory.Exists(RootfsPath.Resolve(rfs, "/etc")))
        {
            foreach (string etc in new[] { "/etc/hosts", "/etc/resolv.conf" })
            {
                if (!File.Exists(etc))
                {
                    Log.Step($"skip {etc}: the host has none");
                    continue;
                }
                string target = EnsureTarget(rfs, etc, sourceIsDir: false);
                DoMount(etc, target, null, MountFlags.Bind, null);
                RemountReadOnly(target, recursive: false);
            }
        }
        else Log.Step("skip /etc/hosts and /etc/resolv.conf: the image has no /etc");
    }

    /// <summary>
    /// Creates an empty volume's directory under <c>sharedVolumes/</c> with its mode and owner; an existing one is
    /// reused as is. Called by the run supervisor only, once per volume, before the apps start.
    /// </summary>
    public static void CreateEmptyVolume(FlyPod pod, VolumeMount v)
    {
        try
        {
            if (!Directory.Exists(pod.SharedVolumesDir))
            {
                Directory.CreateDirectory(pod.SharedVolumesDir);
                File.SetUnixFileMode(pod.SharedVolumesDir, Modes.Dir0755);
            }
            if (Directory.Exists(v.Source))
            {
                Log.Step($"volume {v.VolumeName}: reuse {v.Source}");
                return;
            }
            Directory.CreateDirectory(v.Source);
            var mode = Modes.ParseOctal(v.Mode);
            File.SetUnixFileMode(v.Source, mode);
            LinuxSyscalls.Instance.Lchown(v.Source, (int)v.Uid, (int)v.Gid);
            Log.Step($"volume {v.VolumeName}: created {v.Source} mode={v.Mode} uid={v.Uid} gid={v.Gid}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Stage1Error.From($"volume {v.VolumeName}: create {v.Source}", e);
        }
    }

    /// <summary>
    /// Resolves <paramref name="inApp"/> inside the rootfs and makes sure a mount target of the right type is there:
    /// a missing directory is created 0755, a missing file as an empty 0644 file (parents 0755, owned by root).
    /// </summary>
    private static string EnsureTarget(string rfs, string inApp, bool sourceIsDir, string? what = null)
    {
        string host = RootfsPath.Resolve(rfs, inApp);
        string label = what ?? "mount target " + inApp;
        try
        {
            if (Directory.Exists(host))
            {
                if (!sourceIsDir) throw new Stage1Error(label, $"the target {inApp} is a directory in the app rootfs but the source is a file");
                return host;
            }
            if (File.Exists(host))
            {
                if (sourceIsDir) throw new Stage1Error(label, $"the target {inApp} is a file in the app rootfs but the source is a directory");
                return host;
            }
            string parent = Path.GetDirectoryName(host)!;
            Directory.CreateDirectory(parent, Modes.Dir0755);
            if (sourceIsDir)
            {
                Directory.CreateDirectory(host, Modes.Dir0755);
            }
            else
            {
                using (new FileStream(host, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Modes.File0644 })) { }
            }
            Log.Step($"created mount target {inApp} ({(sourceIsDir ? "directory" : "file")}) at {host}");
            return host;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Stage1Error.From($"{label}: create {inApp}", e);
        }
    }

    private static void RemountReadOnly(string target, bool recursive)
    {
        List<MountInfoEntry> all = MountInfo.Read();
        List<MountInfoEntry> mounts = recursive ? MountInfo.Under(all, target) : [];
        if (!recursive)
        {
            // The bind just made is the last mount listed at this mount point.
            MountInfoEntry? top = all.LastOrDefault(e => e.MountPoint == target.TrimEnd('/'));
            if (top is not null) mounts.Add(top);
        }
        if (mounts.Count == 0) throw new Stage1Error("remount " + target, "the bind mount is not in /proc/self/mountinfo");
        foreach (MountInfoEntry m in mounts)
            DoMount(null, m.MountPoint, null, MountFlags.Bind | MountFlags.Remount | MountFlags.ReadOnly | MountInfo.PerMountFlags(m.Options), null);
    }

    private static void DoMount(string? source, string target, string? fsType, MountFlags flags, string? data, string? what = null)
    {
        string line = $"mount {source ?? "none"} -> {target}" + (fsType is null ? "" : $" type={fsType}") +
            $" flags={FormatFlags(flags)}" + (data is null ? "" : $" data={data}");
        try { LinuxSyscalls.Instance.Mount(source, target, fsType, flags, data); }
        catch (NativeCallException e)
        {
            throw new Stage1Error(what is null ? $"mount {source ?? "none"} on {target}" : $"{what}: mount {source} on {target}", LinuxSyscalls.StrError(e.Errno));
        }
        Log.Step(line);
    }

    /// <summary>Flags by their kernel names (MS_*), the way the -Verbose story shows them.</summary>
    internal static string FormatFlags(MountFlags flags)
    {
        var names = new List<string>();
        (MountFlags, string)[] known =
        [
            (MountFlags.ReadOnly, "MS_RDONLY"), (MountFlags.NoSuid, "MS_NOSUID"), (MountFlags.NoDev, "MS_NODEV"),
            (MountFlags.NoExec, "MS_NOEXEC"), (MountFlags.Remount, "MS_REMOUNT"), (MountFlags.NoAtime, "MS_NOATIME"),
            (MountFlags.NoDirAtime, "MS_NODIRATIME"), (MountFlags.Bind, "MS_BIND"), (MountFlags.Recursive, "MS_REC"),
            (MountFlags.Private, "MS_PRIVATE"), (MountFlags.Slave, "MS_SLAVE"), (MountFlags.Shared, "MS_SHARED"),
            (MountFlags.RelAtime, "MS_RELATIME"), (MountFlags.StrictAtime, "MS_STRICTATIME"),
        ];
        foreach ((MountFlags bit, string name) in known)
            if ((flags & bit) != 0) { names.Add(name); flags &= ~bit; }
        if (flags != 0) names.Add("0x" + ((ulong)flags).ToString("x", CultureInfo.InvariantCulture));
        return names.Count == 0 ? "0" : string.Join('|', names);
    }
}
