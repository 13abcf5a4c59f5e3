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
/// life, starts the app-init child (which becomes the app), waits for it, records the app's exit status in
/// <c>stage1/rootfs/rkt/status/&lt;app&gt;</c> and exits with that status. Setup failures exit 254 with no status file.
/// </summary>
internal static class RunCommand
{
    private const string RespawnedVar = "RKTPS_STAGE1_SESSION";
    /// <summary>Set by the engine: where a detached run writes stdout/stderr of stage1 itself.</summary>
    public const string LogFileVar = "RKTPS_STAGE1_LOG";
    private static volatile int s_child;

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

        // The supervisor alone holds the pod lock: the app must not inherit it (a daemon it leaves behind would
        // otherwise keep the pod "running" after the app itself exited).
        ProcessCalls.SetCloseOnExec(lockFd, true);
        Log.Step($"holding the pod lock on fd {lockFd} until the app exits");

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
        using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using PosixSignalRegistration quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true);

        int[] report = ProcessCalls.Pipe();
        var argv = new List<string> { "rktps-stage1", AppInit.EntryName, "--report-fd=" + report[1].ToString(CultureInfo.InvariantCulture),
            "--supervisor-pid=" + ProcessCalls.GetPid().ToString(CultureInfo.InvariantCulture) };
        argv.AddRange(args);
        int child;
        try { child = ProcessCalls.Spawn("/proc/self/exe", argv, ChildEnvironment(), [report[1]]); }
        catch (NativeCallException e) { throw new Stage1Error("start app-init", e.Message); }
        s_child = child;
        ProcessCalls.Close(report[1]);

        byte[] failure = ProcessCalls.ReadToEnd(report[0]);
        ProcessCalls.Close(report[0]);
        int status = ProcessCalls.WaitPid(child);
        if (failure.Length > 0)
        {
            foreach (string line in System.Text.Encoding.UTF8.GetString(failure).TrimEnd('\n').Split('\n')) Log.Error(line);
            return Stage1Error.ExitCode;
        }
        int code = ProcessCalls.ExitCodeOf(status);
        try
        {
            Directory.CreateDirectory(pod.StatusDir);
            AtomicFile.Write(pod.StatusFile, code.ToString(CultureInfo.InvariantCulture), Modes.File0644, durable: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Error($"stage1: write status {pod.StatusFile}: {e.Message}");
            return Stage1Error.ExitCode;
        }
        Log.Step($"app {pod.AppName} (pid {child}) exited with status {code}" +
            ((status & 0x7f) != 0 ? $" (signal {status & 0x7f})" : "") + $"; wrote {pod.StatusFile}");
        return code;
    }

    private static void Forward(PosixSignalContext c)
    {
        c.Cancel = true;
        int child = s_child;
        if (child > 0)
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
