// SPDX-License-Identifier: MIT
using System.Text;
using Rkt.Engine.Native;

namespace Rkt.Engine.Store.Tree;

/// <summary>Outcome of <see cref="OverlaySupport.Probe"/>.</summary>
/// <param name="IsSupported">True if overlay layers can live under the probed directory.</param>
/// <param name="Reason">Why not (human readable, for the "overlay unavailable, copying the tree" warning); a short confirmation when supported.</param>
/// <param name="FileSystemType">statfs <c>f_type</c> of the directory (see <see cref="FileSystemMagic"/>), 0 if unknown.</param>
public sealed record OverlayProbeResult(bool IsSupported, string Reason, long FileSystemType);

/// <summary>
/// Decides whether a directory (the data directory) can host overlay lower, upper and work directories, as
/// rkt's <c>PathSupportsOverlay</c> does, but with a real test mount as the decisive check.
/// </summary>
/// <remarks>
/// Steps: must be root (mount needs CAP_SYS_ADMIN); statfs type must not be AUFS or ZFS (known not to work as
/// upper layers); then a tiny overlay is mounted in a temporary directory below <c>directory</c> and
/// unmounted again, which catches everything else (overlay on overlay, missing d_type/xattr support, a kernel
/// without overlay). rkt runs <c>modprobe overlay</c> first; we do not spawn it: mounting type <c>overlay</c>
/// makes the kernel request the module itself. <c>/proc/filesystems</c> lacking <c>nodev\toverlay</c> is
/// therefore not final: it only explains the failure if the test mount then fails too.
/// Not done (rkt does it): scanning getdents for DT_UNKNOWN (XFS with ftype=0); current kernels refuse such
/// an upper layer at mount time, which the test mount sees.
/// </remarks>
public sealed class OverlaySupport
{
    private const string ProbePrefix = ".rkt-overlay-probe-";
    private readonly ISyscalls _sys;
    private readonly Func<string> _readFilesystems;

    /// <summary>Creates a prober. <paramref name="readFilesystems"/> replaces reading /proc/filesystems (tests).</summary>
    public OverlaySupport(ISyscalls sys, Func<string>? readFilesystems = null)
    {
        ArgumentNullException.ThrowIfNull(sys);
        _sys = sys;
        _readFilesystems = readFilesystems ?? (() => File.ReadAllText("/proc/filesystems"));
    }

    /// <summary>
    /// Probes <paramref name="directory"/> (which must exist). Never throws for an unsupported setup: the
    /// result says why. The probe directory is always removed again.
    /// </summary>
    public OverlayProbeResult Probe(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string dir = Path.GetFullPath(directory);
        if (!Directory.Exists(dir)) return new(false, $"{dir} does not exist", 0);

        long fsType;
        try { fsType = _sys.StatfsType(dir); }
        catch (NativeCallException e) { return new(false, $"cannot statfs {dir}: {e.Message}", 0); }
        if (fsType == FileSystemMagic.Aufs) return new(false, $"{dir} is on aufs, which cannot host overlay layers", fsType);
        if (fsType == FileSystemMagic.Zfs) return new(false, $"{dir} is on zfs, which cannot host overlay layers", fsType);

        if (_sys.EffectiveUserId != 0) return new(false, "mounting overlay requires root", fsType);

        bool listed = ListsOverlay(out string? fsError);
        string probe = Path.Combine(dir, ProbePrefix + Guid.NewGuid().ToString("N")[..12]);
        bool stillMounted = false;
        try
        {
            return TestMount(probe, fsType, listed, fsError, out stillMounted);
        }
        finally
        {
            if (!stillMounted) Cleanup(probe); // never recurse into a mount we failed to remove
        }
    }

    /// <summary>
    /// The mount(2) data string for an overlay: <c>lowerdir=a:b,upperdir=u,workdir=w</c> with <c>\</c>, <c>:</c>
    /// and <c>,</c> in paths backslash-escaped. Lower directories are listed top-most first.
    /// </summary>
    public static string MountData(IReadOnlyList<string> lowerDirectories, string? upperDirectory, string? workDirectory)
    {
        ArgumentNullException.ThrowIfNull(lowerDirectories);
        if (lowerDirectories.Count == 0) throw new ArgumentException("at least one lower directory is required", nameof(lowerDirectories));
        if ((upperDirectory is null) != (workDirectory is null)) throw new ArgumentException("upperdir and workdir go together");
        var sb = new StringBuilder("lowerdir=");
        sb.AppendJoin(':', lowerDirectories.Select(Escape));
        if (upperDirectory is not null) sb.Append(",upperdir=").Append(Escape(upperDirectory)).Append(",workdir=").Append(Escape(workDirectory!));
        return sb.ToString();
    }

    private static string Escape(string path) =>
        path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);

    private OverlayProbeResult TestMount(string probe, long fsType, bool listed, string? fsError, out bool stillMounted)
    {
        stillMounted = false;
        string lower = Path.Combine(probe, "lower"), upper = Path.Combine(probe, "upper");
        string work = Path.Combine(probe, "work"), merged = Path.Combine(probe, "merged");
        try
        {
            Directory.CreateDirectory(probe);
            foreach (string d in new[] { lower, upper, work, merged }) Directory.CreateDirectory(d);
            File.WriteAllText(Path.Combine(lower, "probe"), "lower");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(false, $"cannot create a probe directory in {Path.GetDirectoryName(probe)}: {e.Message}", fsType);
        }

        try
        {
            _sys.Mount("overlay", merged, "overlay", MountFlags.None, MountData([lower], upper, work));
        }
        catch (NativeCallException e)
        {
            string why = !listed
                ? $"the kernel has no overlay filesystem ({fsError ?? "no 'nodev\toverlay' line in /proc/filesystems"}; test mount: {e.Message})"
                : $"a test overlay mount in {Path.GetDirectoryName(probe)} failed: {e.Message}";
            return new(false, why, fsType);
        }

        OverlayProbeResult result;
        try
        {
            // The merged view must show the lower file and take writes into upper.
            bool sees = File.Exists(Path.Combine(merged, "probe"));
            File.WriteAllText(Path.Combine(merged, "written"), "upper");
            bool copiesUp = File.Exists(Path.Combine(upper, "written"));
            result = sees && copiesUp
                ? new(true, $"test overlay mount in {Path.GetDirectoryName(probe)} succeeded", fsType)
                : new(false, $"a test overlay mount in {Path.GetDirectoryName(probe)} did not behave like an overlay", fsType);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result = new(false, $"a test overlay mount in {Path.GetDirectoryName(probe)} was not writable: {e.Message}", fsType);
        }
        if (!TryUnmount(merged, out string? error))
        {
            stillMounted = true;
            return new(false, $"the test overlay mount {merged} could not be unmounted: {error}", fsType);
        }
        return result;
    }

    private bool TryUnmount(string merged, out string? error)
    {
        error = null;
        try
        {
            _sys.Unmount(merged, UnmountFlags.None);
            return true;
        }
        catch (NativeCallException)
        {
            try
            {
                _sys.Unmount(merged, UnmountFlags.Detach); // busy: detach so cleanup can proceed
                return true;
            }
            catch (NativeCallException e)
            {
                error = e.Message;
                return false;
            }
        }
    }

    private static void Cleanup(string probe)
    {
        try { if (Directory.Exists(probe)) Directory.Delete(probe, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private bool ListsOverlay(out string? error)
    {
        error = null;
        try
        {
            foreach (string line in _readFilesystems().Split('\n'))
                if (line.TrimEnd('\r') == "nodev\toverlay") return true;
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read /proc/filesystems: {e.Message}";
            return false;
        }
    }
}
