// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Runtime.InteropServices;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Stage1.Cli;
using Rkt.Stage1.Pod;

namespace Rkt.Stage1.Fly;

/// <summary>
/// The <c>run</c> entrypoint of the fly flavour: the supervisor. It keeps the pod lock (RKT_LOCK_FD) for the pod's
/// life, creates the pod's empty volumes, starts one app-init child per app (each becomes its app), and once every
/// app runs writes <c>pid</c> (the first app's) and <c>pgid</c>. It reaps the apps as they exit, records each exit
/// status in <c>stage1/rootfs/rkt/status/&lt;app&gt;</c>, and when the last app has exited, exits with the status of
/// the first app in pod-manifest order that exited non-zero (0 when all succeeded). A setup failure of any app stops
/// the others (SIGTERM, SIGKILL after <see cref="SetupFailureGrace"/>) and exits 254 with no status file.
/// </summary>
internal static class RunCommand
{
    private const string RespawnedVar = "RKTPS_STAGE1_SESSION";
    /// <summary>Set by the engine: where a detached run writes stdout/stderr of stage1 itself.</summary>
    public const string LogFileVar = "RKTPS_STAGE1_LOG";

    /// <summary>How long the other apps get to exit after SIGTERM when one app's setup failed.</summary>
    private static readonly TimeSpan SetupFailureGrace = TimeSpan.FromSeconds(10);

    /// <summary>The app processes started so far (read by the signal handlers, replaced whole, never mutated).</summary>
    private static volatile int[] s_children = [];

    public static int Execute(IReadOnlyList<string> args)
    {
        RunOptions o = RunOptions.Parse(args, warn: true);
        Log.DebugEnabled = o.Debug;
        string podDir = Directory.GetCurrentDirectory();
        if (!o.Attach && Environment.GetEnvironmentVariable(LogFileVar) is { Length: > 0 } logFile)
        {
            // A detached pod outlives the shell that started it, so its stage1 must not write to that shell's
            // terminal or pipe: when the engine names a log file (it does for detached starts), stage1's own
            // lines and errors go there; the engine reads it back as the cmdlet's verbose story and as the tail
            // of a Stage1Failed error.
            int log = ProcessCalls.Open(logFile,
                ProcessCalls.O_WRONLY | ProcessCalls.O_CREAT | ProcessCalls.O_APPEND | ProcessCalls.O_CLOEXEC, Convert.ToInt32("640", 8));
            ProcessCalls.Dup2(log, 1);
            ProcessCalls.Dup2(log, 2);
            ProcessCalls.Close(log);
        }
        Log.Step($"run pod {o.Uuid} in {podDir} (fly: host network{(o.Net is null ? "" : $", --net={o.Net} ignored")}{(o.Hostname is null ? "" : $", --hostname={o.Hostname} ignored (no UTS namespace)")})");

        int lockFd = ReadLockFd();
        CloseInheritedDescriptors(lockFd);
        FlyPod pod = FlyPod.Load(podDir);
        if (o.Interactive && pod.Apps.Count > 1)
            throw new Stage1Error("--interactive", $"needs a pod of one app, this pod has {pod.Apps.Count}");

        if (!o.Attach)
        {
            if (!ProcessCalls.Setsid())
            {
                // We lead a process group (e.g. started by a job-control shell): re-exec as a child, which can.
                if (Environment.GetEnvironmentVariable(RespawnedVar) is not null)
                    throw new Stage1Error("setsid", "still a process group leader after re-exec");
                return Respawn(args, lockFd);
            }
            Log.Step($"setsid: pod session {ProcessCalls.GetPid()} (survives the shell that started it)");
            int devNull = ProcessCalls.Open("/dev/null", ProcessCalls.O_RDONLY | ProcessCalls.O_CLOEXEC);
            ProcessCalls.Dup2(devNull, 0);
            ProcessCalls.Close(devNull);
        }

        // The supervisor alone holds the pod lock: the apps must not inherit it (a daemon one leaves behind would
        // otherwise keep the pod "running" after the apps themselves exited).
        ProcessCalls.SetCloseOnExec(lockFd, true);
        Log.Step($"holding the pod lock on fd {lockFd} until every app has exited");

        // Empty volumes are the pod's, not an app's: made once, before any app starts, so all apps share them.
        foreach (VolumeMount v in VolumePlan.EmptyVolumes(pod)) AppMounts.CreateEmptyVolume(pod, v);

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
        using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using PosixSignalRegistration quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true);

        // Start every app-init first (they set up in parallel), then collect their setup reports in manifest order.
        var started = new List<(FlyApp App, int Pid, int Report)>();
        var failures = new List<string>();
        string self = ProcessCalls.GetPid().ToString(CultureInfo.InvariantCulture);
        foreach (FlyApp app in pod.Apps)
        {
            int[] report = ProcessCalls.Pipe();
            var argv = new List<string> { "rktps-stage1", AppInit.EntryName, "--app=" + app.Name,
                "--report-fd=" + report[1].ToString(CultureInfo.InvariantCulture), "--supervisor-pid=" + self };
            argv.AddRange(args);
            int child;
            try { child = ProcessCalls.Spawn("/proc/self/exe", argv, ChildEnvironment(), [report[1]]); }
            catch (NativeCallException e)
            {
                ProcessCalls.Close(report[0]);
                ProcessCalls.Close(report[1]);
                failures.Add(new Stage1Error("start app-init for app " + app.Name, e.Message).Line);
                break;
            }
            ProcessCalls.Close(report[1]);
            started.Add((app, child, report[0]));
            s_children = started.Select(s => s.Pid).ToArray();
            Log.Step($"app {app.Name}: app-init pid {child}");
        }
        if (failures.Count > 0) SignalAll(started, ProcessCalls.SIGTERM, "an app-init could not be started");
        foreach ((FlyApp app, int pid, int report) in started)
        {
            byte[] failure = ProcessCalls.ReadToEnd(report);
            ProcessCalls.Close(report);
            if (failure.Length == 0) continue;
            if (failures.Count == 0) SignalAll(started, ProcessCalls.SIGTERM, $"app {app.Name} failed to start");
            // With several apps, each line names the app it is about.
            foreach (string line in System.Text.Encoding.UTF8.GetString(failure).TrimEnd('\n').Split('\n'))
                failures.Add(pod.Apps.Count > 1 && line.StartsWith("stage1: ", StringComparison.Ordinal) ? $"stage1: app {app.Name}: {line["stage1: ".Length..]}" : line);
        }
        if (failures.Count == 0)
        {
            try { WritePodPids(pod, started[0].Pid); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add(Stage1Error.From("write " + pod.PidFile, e).Line);
                SignalAll(started, ProcessCalls.SIGTERM, "the pod's pid file could not be written");
            }
        }
        if (failures.Count > 0)
        {
            foreach (string line in failures) Log.Error(line);
            StopAndReap(started);
            return Stage1Error.ExitCode;
        }

        return ReapApps(pod, started.Select(s => (s.App, s.Pid)).ToList());
    }

    /// <summary>Waits for every app, writing each one's status as it exits; returns the pod's exit status.</summary>
    private static int ReapApps(FlyPod pod, List<(FlyApp App, int Pid)> apps)
    {
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        bool statusFailed = false;
        int left = apps.Count;
        while (left > 0)
        {
            int pid = ProcessCalls.WaitAnyExited(noHang: false);
            if (pid < 0) throw new Stage1Error("waitpid", $"{left} app(s) were reaped by another process (is SIGCHLD ignored?)");
            int i = apps.FindIndex(a => a.Pid == pid);
            if (i < 0)
            {
                ProcessCalls.WaitPid(pid); // not an app (nothing else is started, but never block on it)
                continue;
            }
            left--;
            FlyApp app = apps[i].App;
            int status = Reap(app, pid);
            int code = ProcessCalls.ExitCodeOf(status);
            codes[app.Name] = code;
            try
            {
                Directory.CreateDirectory(pod.StatusDir);
                AtomicFile.Write(app.StatusFile, code.ToString(CultureInfo.InvariantCulture), Modes.File0644, durable: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.Error($"stage1: write status {app.StatusFile}: {e.Message}");
                statusFailed = true;
                continue;
            }
            Log.Step($"app {app.Name} (pid {pid}) exited with status {code}" +
                ((status & 0x7f) != 0 ? $" (signal {status & 0x7f})" : "") + $"; wrote {app.StatusFile}" +
                (left > 0 ? $"; {left} app(s) still running" : ""));
        }
        if (statusFailed) return Stage1Error.ExitCode;
        // rkt's pod exit rule: the first failing app's status, 0 when every app succeeded. fly waits for all apps, so
        // "first" is pod-manifest order, which is also how Get-RktPod derives the pod's exit code from the status files.
        int podCode = pod.Apps.Select(a => codes[a.Name]).FirstOrDefault(c => c != 0);
        if (pod.Apps.Count > 1) Log.Step($"pod exits with status {podCode} (first non-zero app status in manifest order, else 0)");
        return podCode;
    }

    /// <summary>
    /// Reaps an exited child that <see cref="ProcessCalls.WaitAnyExited"/> reported. Its <c>appsinfo/&lt;app&gt;/pid</c>
    /// is removed first, while the zombie still reserves the pid, so stop and enter never act on a recycled pid.
    /// </summary>
    private static int Reap(FlyApp? app, int pid)
    {
        if (app is not null)
        {
            try { File.Delete(app.PidFile); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Log.Warn($"remove {app.PidFile}: {e.Message}"); }
        }
        return ProcessCalls.WaitPid(pid);
    }

    /// <summary><c>pid</c> = the first app (rkt's meaning, for enter); <c>pgid</c> only when the pod owns its group.</summary>
    private static void WritePodPids(FlyPod pod, int firstApp)
    {
        // The group is written only when the pod owns it (run called setsid, or a job-control shell made stage1 the
        // leader of its job); an attached pod started by pwsh shares the caller's group, which stop must never signal.
        int pgid = ProcessCalls.GetPgid(0);
        bool ownGroup = pgid == ProcessCalls.GetPid();
        if (ownGroup) AtomicFile.Write(pod.PgidFile, pgid.ToString(CultureInfo.InvariantCulture), Modes.File0644, durable: false);
        AtomicFile.Write(pod.PidFile, firstApp.ToString(CultureInfo.InvariantCulture), Modes.File0644, durable: false);
        Log.Step(ownGroup ? $"every app runs; wrote pid {firstApp} and pgid {pgid}"
            : $"every app runs; wrote pid {firstApp} (no pgid: the process group belongs to the caller's terminal)");
    }

    private static void SignalAll(IEnumerable<(FlyApp App, int Pid, int Report)> started, int signal, string why)
    {
        foreach ((FlyApp app, int pid, _) in started)
        {
            try
            {
                if (ProcessCalls.Kill(pid, signal)) Log.Step($"{why}: sent {(signal == ProcessCalls.SIGKILL ? "SIGKILL" : "SIGTERM")} to app {app.Name} (pid {pid})");
            }
            catch (NativeCallException) { /* exiting anyway */ }
        }
    }

    /// <summary>After a setup failure: waits for the (already signalled) children, SIGKILLing the ones that outlast the grace.</summary>
    private static void StopAndReap(List<(FlyApp App, int Pid, int Report)> started)
    {
        var alive = started.Select(s => s.Pid).ToHashSet();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        bool killed = false;
        while (alive.Count > 0)
        {
            int pid = ProcessCalls.WaitAnyExited(noHang: true);
            if (pid < 0) return;
            if (pid > 0)
            {
                Reap(started.FirstOrDefault(s => s.Pid == pid).App, pid);
                alive.Remove(pid);
                continue;
            }
            if (!killed && sw.Elapsed > SetupFailureGrace)
            {
                foreach (int p in alive)
                {
                    try { ProcessCalls.Kill(p, ProcessCalls.SIGKILL); } catch (NativeCallException) { }
                }
                Log.Step($"{alive.Count} app(s) still running {SetupFailureGrace.TotalSeconds} s after SIGTERM: sent SIGKILL");
                killed = true;
            }
            Thread.Sleep(5);
        }
    }

    private static void Forward(PosixSignalContext c)
    {
        c.Cancel = true;
        foreach (int child in s_children)
        {
            try { ProcessCalls.Kill(child, c.Signal == PosixSignal.SIGTERM ? ProcessCalls.SIGTERM : ProcessCalls.SIGHUP); }
            catch (NativeCallException) { /* the app is exiting anyway */ }
        }
    }

    /// <summary>
    /// Descriptors the starting process leaked (pwsh has pipes and /dev/urandom open without O_CLOEXEC) must not
    /// reach the app: everything above stderr except the pod lock is marked close-on-exec.
    /// </summary>
    private static void CloseInheritedDescriptors(int lockFd)
    {
        foreach (string entry in Directory.GetFiles("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || fd <= 2 || fd == lockFd) continue;
            try { ProcessCalls.SetCloseOnExec(fd, true); }
            catch (NativeCallException) { /* the directory listing's own descriptor is gone already */ }
        }
    }

    private static int ReadLockFd()
    {
        string? v = Environment.GetEnvironmentVariable("RKT_LOCK_FD");
        if (string.IsNullOrEmpty(v)) throw new Stage1Error("RKT_LOCK_FD", "not set (the engine passes the locked pod directory's descriptor)");
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || !ProcessCalls.IsOpen(fd))
            throw new Stage1Error("RKT_LOCK_FD", $"\"{v}\" is not an open file descriptor");
        return fd;
    }

    private static List<string> ChildEnvironment()
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string k = (string)e.Key;
            if (k is "RKT_LOCK_FD" or RespawnedVar or LogFileVar) continue;
            env.Add(k + "=" + (string?)e.Value);
        }
        return env;
    }

    private static int Respawn(IReadOnlyList<string> args, int lockFd)
    {
        Log.Step("setsid: this process leads a process group; re-exec as a child to start a new session");
        var env = ChildEnvironment();
        env.Add("RKT_LOCK_FD=" + lockFd.ToString(CultureInfo.InvariantCulture));
        env.Add(RespawnedVar + "=1");
        var argv = new List<string>(Program.CommandLine);
        int child;
        try { child = ProcessCalls.Spawn("/proc/self/exe", argv, env, [lockFd]); }
        catch (NativeCallException e) { throw new Stage1Error("re-exec for setsid", e.Message); }
        return ProcessCalls.ExitCodeOf(ProcessCalls.WaitPid(child));
    }
}
