// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;
using Rkt.Formats.Appc;

namespace Rkt.Engine.Pods;

public sealed partial class PodService
{
    /// <summary>
    /// rkt rm: refuses Running, Embryo, Preparing and Deleting pods; moves the rest to a garbage directory and
    /// deletes them (stage1 gc, unmount everything below the pod, delete). Idempotent: a half-deleted pod is
    /// finished off.
    /// </summary>
    public void Remove(RktPod pod, OperationContext ctx)
    {
        PodLocation loc = Store.Locate(pod.Id) ?? throw NotFound(pod.Id);
        switch (loc.State)
        {
            case RktPodState.Running or RktPodState.Embryo or RktPodState.Preparing or RktPodState.Deleting or RktPodState.ExitedDeleting:
                throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {pod.ShortId} is {loc.State}; it cannot be removed now", pod.Id,
                    recommendedAction: loc.State == RktPodState.Running ? "Stop it first with Stop-RktPod." : null);
            case RktPodState.Exited:
                loc = loc with { Path = Store.Move(pod.Id, PodDir.Run, PodDir.ExitedGarbage), Dir = PodDir.ExitedGarbage };
                Mark(loc.Path);
                break;
            case RktPodState.Prepared:
                loc = loc with { Path = Store.Move(pod.Id, PodDir.Prepared, PodDir.Garbage), Dir = PodDir.Garbage };
                break;
            case RktPodState.AbortedPrepare:
                loc = loc with { Path = Store.Move(pod.Id, PodDir.Prepare, PodDir.Garbage), Dir = PodDir.Garbage };
                break;
        }
        Delete(loc, ctx);
    }

    /// <summary>rkt gc: mark exited and aborted pods, expire old prepared ones, sweep garbage past the grace period.</summary>
    public IReadOnlyList<RktPod> CollectGarbage(GcOptions options, OperationContext ctx)
    {
        var removed = new List<RktPod>();
        DateTime now = DateTime.UtcNow;
        foreach (PodLocation l in Store.List())
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                switch (l.State)
                {
                    case RktPodState.Exited:
                        ctx.Logger.Verbose($"moving pod {l.Id} to garbage");
                        Mark(Store.Move(l.Id, PodDir.Run, PodDir.ExitedGarbage));
                        break;
                    case RktPodState.AbortedPrepare:
                        ctx.Logger.Verbose($"moving aborted pod {l.Id} to garbage");
                        Mark(Store.Move(l.Id, PodDir.Prepare, PodDir.Garbage));
                        break;
                    case RktPodState.Prepared when now - Directory.GetLastWriteTimeUtc(l.Path) > options.ExpirePrepared
                                                  && now - CreatedTime(l.Path) > options.ExpirePrepared:
                        ctx.Logger.Verbose($"moving expired prepared pod {l.Id} to garbage");
                        Mark(Store.Move(l.Id, PodDir.Prepared, PodDir.Garbage));
                        break;
                }
            }
            catch (RktException e) when (e.ErrorId == "InvalidPodState") { } // moved by someone else meanwhile
        }
        if (options.MarkOnly) return removed;
        foreach (PodLocation l in Store.List())
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            if (l.State == RktPodState.ExitedGarbage)
            {
                DateTime marked = MarkedTime(l.Path);
                if (DateTime.UtcNow - marked < options.GracePeriod)
                {
                    ctx.Logger.Verbose($"pod {l.Id} is still within its grace period");
                    continue;
                }
            }
            else if (l.State != RktPodState.Garbage) continue;
            RktPod model = ToModel(l);
            try
            {
                Delete(l, ctx);
                removed.Add(model);
            }
            catch (RktException e) when (e.Kind == RktErrorKind.Busy) { ctx.Logger.Verbose(e.Message); }
        }
        return removed;
    }

    private void Delete(PodLocation loc, OperationContext ctx)
    {
        using FileLock l = FileLock.TryAcquire(_sys, loc.Path, LockKind.Exclusive)
            ?? throw new RktException(RktErrorKind.Busy, "PodBusy", $"pod {loc.Id} is being deleted by another process", loc.Id);
        if (loc.Dir == PodDir.ExitedGarbage) RunStage1Gc(loc, ctx);
        UnmountAll(loc.Path, ctx);
        if (MountTable.Under(loc.Path).Count > 0)
            throw new RktException(RktErrorKind.Busy, "PodBusy", $"pod {loc.Id} still has mounts; not deleting its files", loc.Id);
        Directory.Delete(loc.Path, recursive: true);
        _sys.FsyncDirectory(Path.GetDirectoryName(loc.Path)!);
        ctx.Logger.Verbose($"deleted pod {loc.Id}");
    }

    private void RunStage1Gc(PodLocation loc, OperationContext ctx)
    {
        try
        {
            string manifest = Path.Combine(loc.Path, "stage1", "manifest");
            if (!File.Exists(manifest)) return;
            string? gc = Stage1Entrypoints.From(ImageManifest.Parse(File.ReadAllBytes(manifest))).Gc;
            if (gc is null || !File.Exists(Stage1Entrypoints.Resolve(loc.Path, gc))) return;
            int code = RunEntrypoint(loc.Path, gc, [loc.Id.ToString()], ctx);
            if (code != 0) ctx.Logger.Warning($"stage1 gc of pod {loc.Id} exited with {code}");
        }
        catch (Exception e) when (e is RktException or IOException or FormatException)
        {
            ctx.Logger.Warning($"stage1 gc of pod {loc.Id} failed: {e.Message}");
        }
    }

    /// <summary>Unmounts everything at or below <paramref name="dir"/>, children first; a busy mount is detached.</summary>
    internal void UnmountAll(string dir, OperationContext ctx)
    {
        foreach (string m in MountTable.Under(dir))
        {
            try
            {
                ctx.Logger.Verbose($"umount {m}");
                _sys.Unmount(m, UnmountFlags.None);
            }
            catch (NativeCallException e) when (e.Errno == 16) // EBUSY
            {
                ctx.Logger.Verbose($"umount {m}: busy, detaching");
                _sys.Unmount(m, UnmountFlags.Detach);
            }
            catch (NativeCallException e) when (e.Errno is 22 or 2) { } // already gone
        }
    }

    private static void Mark(string podPath) => File.WriteAllBytes(Path.Combine(podPath, PodFiles.GcMarked), []);

    private static DateTime MarkedTime(string podPath)
    {
        string f = Path.Combine(podPath, PodFiles.GcMarked);
        return File.Exists(f) ? File.GetLastWriteTimeUtc(f) : Directory.GetLastWriteTimeUtc(podPath);
    }

    private static DateTime CreatedTime(string podPath)
    {
        string f = Path.Combine(podPath, PodFiles.Created);
        return File.Exists(f) ? File.GetLastWriteTimeUtc(f) : Directory.GetLastWriteTimeUtc(podPath);
    }
}
