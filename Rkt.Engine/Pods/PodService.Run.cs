// SPDX-License-Identifier: MIT
using System.Diagnostics;
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Pods;

public sealed partial class PodService
{
    /// <summary>How long a detached start waits for stage1 to report the app's pid.</summary>
    public static TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// rkt run-prepared: takes the pod lock, moves the pod to <c>run</c>, mounts the overlays, and starts the
    /// stage1 <c>run</c> entrypoint as a child (argv per the interface version, cwd = pod directory, the locked
    /// directory fd passed as RKT_LOCK_FD). Unlike rkt, stage0 does not exec into stage1: pwsh stays.
    /// Detached (default) returns once the app runs; attached returns when the pod has exited.
    /// </summary>
    public RktPod Start(RktPod pod, StartOptions options, OperationContext ctx)
    {
        PodLocation loc = Store.Locate(pod.Id) ?? throw NotFound(pod.Id);
        if (loc.State != RktPodState.Prepared)
            throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {pod.ShortId} is {loc.State}; only a Prepared pod can be started", pod.Id,
                recommendedAction: "Prepare a new pod with New-RktPod.");
        FileLock podLock = FileLock.TryAcquire(_sys, loc.Path, LockKind.Exclusive)
            ?? throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {pod.ShortId} is being started by another process", pod.Id);
        Process child;
        string path;
        using (podLock)
        {
            path = Store.Move(pod.Id, PodDir.Prepared, PodDir.Run);
            try
            {
                if (File.Exists(Path.Combine(path, PodFiles.OverlayPrepared))) MountOverlays(path, ctx);
                ImageManifest s1 = ImageManifest.Parse(File.ReadAllBytes(Path.Combine(path, "stage1", "manifest")));
                Stage1Entrypoints eps = Stage1Entrypoints.From(s1);
                string entry = Stage1Entrypoints.Resolve(path, eps.Run);
                var args = new List<string>();
                if (options.Debug) args.Add("--debug");
                args.Add("--net=" + options.Net);
                if (eps.InterfaceVersion >= 2 && options.Hostname is { } h) args.Add("--hostname=" + h);
                if (options.Attach) args.Add("--attach");
                args.Add(pod.Id.ToString());
                ctx.Logger.Verbose($"stage1: exec {entry} {string.Join(' ', args)} (cwd {path}, RKT_LOCK_FD={(int)podLock.Handle.DangerousGetHandle()})");
                child = Stage1Process.Start(entry, args, path, podLock.Handle, _sys, options.Attach ? null : Path.Combine(path, PodFiles.Stage1Log));
                podLock.HandOver();
            }
            catch
            {
                UnmountAll(path, ctx);
                throw;
            }
        }
        // Our descriptor is closed now; the lock lives on in stage1's copy of the open file description.
        using (child)
        {
            foreach (RuntimeApp a in ReadManifest(path).Apps)
                if (a.Image.Id is { } h && h.TryGetImageId(out ImageId key)) _images.MarkUsed(key);
            if (options.Attach)
            {
                WaitForExit(child, ctx.CancellationToken);
            }
            else
            {
                var sw = Stopwatch.StartNew();
                string pidFile = Path.Combine(path, PodFiles.Pid);
                while (!File.Exists(pidFile) && !child.HasExited)
                {
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                    if (sw.Elapsed > StartTimeout)
                        throw new RktException(RktErrorKind.Stage1Failed, "Stage1Failed", $"stage1 of pod {pod.ShortId} did not start the app within {StartTimeout.TotalSeconds} s", pod.Id);
                    Thread.Sleep(5);
                }
                if (child.HasExited && child.ExitCode == 254) throw Stage1Failure(pod.Id, path, child.ExitCode);
            }
            ReportStage1Log(path, ctx);
        }
        RktPod now = Get(pod.Id) ?? throw NotFound(pod.Id);
        if (options.Attach && now.Apps.Any(a => a.ExitCode is null) && now.State == RktPodState.Exited)
            throw Stage1Failure(pod.Id, now.Path, null);
        return now;
    }

    /// <summary>Waits until the pod's lock is free (the pod exited) or <paramref name="timeout"/> passes. Returns the pod.</summary>
    public RktPod Wait(RktPod pod, TimeSpan? timeout, OperationContext ctx)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            PodLocation loc = Store.Locate(pod.Id) ?? throw NotFound(pod.Id);
            if (loc.State is not (RktPodState.Running or RktPodState.Preparing or RktPodState.Embryo)) return ToModel(loc);
            if (timeout is { } t && sw.Elapsed >= t)
                throw new RktException(RktErrorKind.Busy, "WaitTimeout", $"pod {pod.ShortId} is still {loc.State} after {t.TotalSeconds:0.#} s", pod.Id);
            ctx.CancellationToken.WaitHandle.WaitOne(5);
            ctx.CancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Stops a running pod through the stage1 <c>stop</c> entrypoint: a graceful stop (SIGTERM), then
    /// <c>--force</c> (SIGKILL) when it is still running after <paramref name="timeout"/>.
    /// </summary>
    public RktPod Stop(RktPod pod, bool force, TimeSpan timeout, OperationContext ctx)
    {
        PodLocation loc = Store.Locate(pod.Id) ?? throw NotFound(pod.Id);
        if (loc.State != RktPodState.Running)
            throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {pod.ShortId} is {loc.State}, not Running", pod.Id);
        ImageManifest s1 = ImageManifest.Parse(File.ReadAllBytes(Path.Combine(loc.Path, "stage1", "manifest")));
        string stop = Stage1Entrypoints.From(s1).Stop ?? throw new RktException(RktErrorKind.InvalidInput, "Stage1Unsupported", $"the stage1 of pod {pod.ShortId} has no stop entrypoint", pod.Id);
        RunEntrypoint(loc.Path, stop, force ? ["--force", pod.Id.ToString()] : [pod.Id.ToString()], ctx);
        try { return Wait(pod, timeout, ctx); }
        catch (RktException e) when (e.ErrorId == "WaitTimeout" && !force)
        {
            ctx.Logger.Verbose($"pod {pod.ShortId} still running after {timeout.TotalSeconds:0.#} s; stopping it with --force");
            RunEntrypoint(loc.Path, stop, ["--force", pod.Id.ToString()], ctx);
            return Wait(pod, TimeSpan.FromSeconds(10), ctx);
        }
    }

    /// <summary>The captured output of an app (stdout and stderr, in order), for Get-RktPodLog.</summary>
    public string LogPath(RktPod pod, string app) => PodFiles.Log(pod.Path, app);

    /// <summary>Runs the stage1 <c>enter</c> entrypoint in the caller's terminal and returns its exit code.</summary>
    public int Enter(RktPod pod, string? app, IReadOnlyList<string> command, OperationContext ctx)
    {
        PodLocation loc = Store.Locate(pod.Id) ?? throw NotFound(pod.Id);
        if (loc.State != RktPodState.Running)
            throw new RktException(RktErrorKind.InvalidState, "InvalidPodState", $"pod {pod.ShortId} is {loc.State}, not Running", pod.Id);
        RktPod current = ToModel(loc);
        string appName = app ?? (current.Apps.Count == 1 ? current.Apps[0].Name
            : throw new RktException(RktErrorKind.InvalidInput, "AppRequired", $"pod {pod.ShortId} has {current.Apps.Count} apps; give -App", pod.Id));
        if (current.Apps.All(a => a.Name != appName))
            throw new RktException(RktErrorKind.NotFound, "AppNotFound", $"pod {pod.ShortId} has no app {appName}", appName);
        ImageManifest s1 = ImageManifest.Parse(File.ReadAllBytes(Path.Combine(loc.Path, "stage1", "manifest")));
        string enter = Stage1Entrypoints.From(s1).Enter ?? throw new RktException(RktErrorKind.InvalidInput, "Stage1Unsupported", "the stage1 has no enter entrypoint", pod.Id);
        int pid = AppPid(loc.Path, appName, current)
            ?? throw new RktException(RktErrorKind.InvalidState, "AppNotRunning", $"app {appName} of pod {pod.ShortId} is not running", appName);
        var args = new List<string> { $"--pid={pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}", $"--appname={appName}", "--" };
        args.AddRange(command.Count > 0 ? command : ["/bin/sh"]);
        using Process p = Stage1Process.Start(Stage1Entrypoints.Resolve(loc.Path, enter), args, loc.Path, null, _sys);
        WaitForExit(p, ctx.CancellationToken);
        return p.ExitCode;
    }

    /// <summary>
    /// The pid <c>enter</c> joins for <paramref name="app"/>: <c>appsinfo/&lt;app&gt;/pid</c> (stage1-fly writes one per
    /// running app), else, for a pod of one app, the pod's <c>pid</c> (rkt's file, all a stage1 must write).
    /// </summary>
    private static int? AppPid(string podPath, string app, RktPod current)
    {
        string file = PodFiles.AppPid(podPath, app);
        if (File.Exists(file)) return int.TryParse(SafeRead(file), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) ? p : null;
        return current.Apps.Count == 1 ? current.Pid : null;
    }

    private int RunEntrypoint(string pod, string entry, IReadOnlyList<string> args, OperationContext ctx)
    {
        string exe = Stage1Entrypoints.Resolve(pod, entry);
        ctx.Logger.Verbose($"stage1: exec {exe} {string.Join(' ', args)}");
        using Process p = Stage1Process.Start(exe, args, pod, null, _sys);
        WaitForExit(p, ctx.CancellationToken);
        return p.ExitCode;
    }

    private static void WaitForExit(Process p, CancellationToken ct)
    {
        while (!p.WaitForExit(50)) ct.ThrowIfCancellationRequested();
        p.WaitForExit();
    }

    private void MountOverlays(string pod, OperationContext ctx)
    {
        string s1Tree = File.ReadAllText(Path.Combine(pod, PodFiles.Stage1TreeStoreId)).Trim();
        Overlay(_trees.PathOf(s1Tree) + "/rootfs", PodFiles.OverlayDir(pod, s1Tree), "", PodFiles.Stage1Rootfs(pod), ctx);
        Directory.CreateDirectory(Path.Combine(PodFiles.Stage1Rootfs(pod), "rkt", "status"));
        foreach (RuntimeApp a in ReadManifest(pod).Apps)
        {
            string app = a.Name.Value;
            string tree = File.ReadAllText(Path.Combine(PodFiles.AppInfo(pod, app), "treeStoreID")).Trim();
            Directory.CreateDirectory(PodFiles.AppDir(pod, app));
            File.Copy(Path.Combine(PodFiles.AppInfo(pod, app), "manifest"), Path.Combine(PodFiles.AppDir(pod, app), "manifest"), overwrite: true);
            Overlay(_trees.PathOf(tree) + "/rootfs", PodFiles.OverlayDir(pod, tree), app, PodFiles.AppRootfs(pod, app), ctx);
        }
    }

    private void Overlay(string lower, string overlayDir, string app, string target, OperationContext ctx)
    {
        string upper = app.Length == 0 ? Path.Combine(overlayDir, "upper") : Path.Combine(overlayDir, "upper", app);
        string work = app.Length == 0 ? Path.Combine(overlayDir, "work") : Path.Combine(overlayDir, "work", app);
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(target);
        string data = $"lowerdir={Escape(lower)},upperdir={Escape(upper)},workdir={Escape(work)}";
        ctx.Logger.Verbose($"mount -t overlay overlay {target} -o {data}");
        _sys.Mount("overlay", target, "overlay", MountFlags.None, data);
    }

    private static string Escape(string p) => p.Replace("\\", "\\\\").Replace(":", "\\:").Replace(",", "\\,");

    private static PodManifest ReadManifest(string pod) => PodManifest.Parse(File.ReadAllBytes(Path.Combine(pod, PodFiles.Manifest)));

    private static void ReportStage1Log(string pod, OperationContext ctx)
    {
        string log = Path.Combine(pod, PodFiles.Stage1Log);
        if (!File.Exists(log)) return;
        foreach (string line in File.ReadLines(log)) ctx.Logger.Verbose(line);
    }

    private static RktException Stage1Failure(Guid id, string pod, int? code)
    {
        string log = Path.Combine(pod, PodFiles.Stage1Log);
        string tail = File.Exists(log) ? string.Join(Environment.NewLine, File.ReadLines(log).Where(l => !l.StartsWith("stage1: debug", StringComparison.Ordinal)).TakeLast(5)) : "";
        return new RktException(RktErrorKind.Stage1Failed, "Stage1Failed",
            $"stage1 of pod {id.ToString()[..8]} failed{(code is { } c ? $" with exit code {c}" : "")}{(tail.Length > 0 ? ": " + tail : "")}", id);
    }

    private static RktException NotFound(Guid id) =>
        new(RktErrorKind.NotFound, "PodNotFound", $"pod {id} does not exist", id, recommendedAction: "Run Get-RktPod to list pods.");
}
