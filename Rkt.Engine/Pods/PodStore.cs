// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;

namespace Rkt.Engine.Pods;

/// <summary>The directories a pod moves through (rkt's layout under <c>$DATA/pods</c>).</summary>
public enum PodDir { Embryo, Prepare, Prepared, Run, ExitedGarbage, Garbage }

/// <summary>Where a pod is and what that means.</summary>
public sealed record PodLocation(Guid Id, PodDir Dir, string Path, RktPodState State);

/// <summary>
/// The pod state machine on disk, exactly as rkt keeps it: the state is the directory a pod sits in plus
/// whether the pod directory itself is flock'ed. Every transition is a rename followed by an fsync of the
/// destination parent. No daemon: a running pod is one whose directory lock some stage1 process holds.
/// </summary>
public sealed class PodStore(RktPaths paths, ISyscalls sys)
{
    internal static readonly PodDir[] ProbeOrder = [PodDir.Embryo, PodDir.Prepare, PodDir.Prepared, PodDir.Run, PodDir.ExitedGarbage, PodDir.Garbage];

    /// <summary>Directory of a state.</summary>
    public string DirOf(PodDir d) => Path.Combine(paths.Pods, d switch
    {
        PodDir.Embryo => "embryo", PodDir.Prepare => "prepare", PodDir.Prepared => "prepared", PodDir.Run => "run",
        PodDir.ExitedGarbage => "exited-garbage", _ => "garbage",
    });

    /// <summary>Path of a pod in a state directory.</summary>
    public string PathOf(PodDir d, Guid id) => Path.Combine(DirOf(d), id.ToString());

    /// <summary>Creates a pod in <c>embryo</c>, locks it and moves it to <c>prepare</c> (state Preparing). The lock is returned.</summary>
    public (Guid Id, FileLock Lock) Create()
    {
        foreach (PodDir d in ProbeOrder) Directory.CreateDirectory(DirOf(d));
        Guid id = Guid.NewGuid();
        string embryo = PathOf(PodDir.Embryo, id);
        Directory.CreateDirectory(embryo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        FileLock l = FileLock.TryAcquire(sys, embryo, LockKind.Exclusive) ?? throw new RktException(RktErrorKind.Internal, "PodLockFailed", $"cannot lock new pod {id}");
        try
        {
            Move(id, PodDir.Embryo, PodDir.Prepare);
            return (id, l);
        }
        catch
        {
            l.Dispose();
            throw;
        }
    }

    /// <summary>Renames a pod between state directories and makes it durable.</summary>
    public string Move(Guid id, PodDir from, PodDir to)
    {
        string src = PathOf(from, id), dst = PathOf(to, id);
        Directory.CreateDirectory(DirOf(to));
        try { Directory.Move(src, dst); }
        catch (DirectoryNotFoundException e)
        {
            throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {id} is no longer in {Path.GetFileName(DirOf(from))} (another process moved it)", id, e);
        }
        sys.FsyncDirectory(DirOf(to));
        return dst;
    }

    /// <summary>Finds a pod by full UUID and probes its state; null when it does not exist.</summary>
    public PodLocation? Locate(Guid id)
    {
        foreach (PodDir d in ProbeOrder)
        {
            string p = PathOf(d, id);
            if (!Directory.Exists(p)) continue;
            bool locked = d is PodDir.Embryo or PodDir.Prepared ? false : IsLocked(p);
            RktPodState state = d switch
            {
                PodDir.Embryo => RktPodState.Embryo,
                PodDir.Prepare => locked ? RktPodState.Preparing : RktPodState.AbortedPrepare,
                PodDir.Prepared => RktPodState.Prepared,
                PodDir.Run => locked ? RktPodState.Running : RktPodState.Exited,
                PodDir.ExitedGarbage => locked ? RktPodState.ExitedDeleting : RktPodState.ExitedGarbage,
                _ => locked ? RktPodState.Deleting : RktPodState.Garbage,
            };
            return new PodLocation(id, d, p, state);
        }
        return null;
    }

    /// <summary>Every pod, sorted by UUID.</summary>
    public IReadOnlyList<PodLocation> List()
    {
        var ids = new SortedSet<Guid>();
        foreach (PodDir d in ProbeOrder)
        {
            string dir = DirOf(d);
            if (!Directory.Exists(dir)) continue;
            foreach (string p in Directory.EnumerateDirectories(dir))
                if (Guid.TryParseExact(Path.GetFileName(p), "D", out Guid g)) ids.Add(g);
        }
        return ids.Select(Locate).OfType<PodLocation>().ToList();
    }

    /// <summary>True when some process holds a lock on the pod directory (non-blocking shared probe).</summary>
    public bool IsLocked(string podPath)
    {
        try
        {
            using FileLock? l = FileLock.TryAcquire(sys, podPath, LockKind.Shared);
            return l is null;
        }
        catch (NativeCallException e) when (e.Errno == 2) { return false; }
        catch (DirectoryNotFoundException) { return false; }
    }
}
