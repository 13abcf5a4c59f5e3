// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Formats.Appc;
using Rkt.Stage1.Cli;
using Rkt.Stage1.Pod;
using Rkt.Stage1.Rootfs;

namespace Rkt.Stage1.Fly;

/// <summary>
/// The app-init process: a fresh exec of this binary (hidden entrypoint <c>app-init</c>) started by the run
/// supervisor, one per app (<c>--app=NAME</c>). On its main thread it builds that app's mount namespace, writes
/// <c>appsinfo/&lt;app&gt;/pid</c> and <c>rkt/env/&lt;app&gt;</c>, chroots, drops to the app's credentials and execs the
/// app, so its pid is the app's pid. Any setup failure is written as one <c>stage1: ...</c> line to the report pipe
/// (FD_CLOEXEC, so a successful execve closes it empty) and the process exits 254; the supervisor prints the line,
/// stops the other apps and writes no status file.
/// </summary>
internal static class AppInit
{
    public const string EntryName = "app-init";

    public static int Execute(IReadOnlyList<string> args)
    {
        // args: --app=NAME --report-fd=N --supervisor-pid=P <run arguments...>
        int reportFd = -1;
        int supervisor = 0;
        string? appName = null;
        var rest = new List<string>();
        foreach (string a in args)
        {
            if (a.StartsWith("--report-fd=", StringComparison.Ordinal)) reportFd = Flags.Int(a, a["--report-fd=".Length..]);
            else if (a.StartsWith("--supervisor-pid=", StringComparison.Ordinal)) supervisor = Flags.Int(a, a["--supervisor-pid=".Length..]);
            else if (a.StartsWith("--app=", StringComparison.Ordinal)) appName = a["--app=".Length..];
            else rest.Add(a);
        }
        if (reportFd < 3 || !ProcessCalls.IsOpen(reportFd) || appName is null)
        {
            Log.Error("stage1: app-init: internal entrypoint, started only by stage1 run");
            return Stage1Error.ExitCode;
        }
        try
        {
            ProcessCalls.SetCloseOnExec(reportFd, true);
            RunOptions o = RunOptions.Parse(rest, warn: false);
            Log.DebugEnabled = o.Debug;
            // Die with a supervisor that dies during setup; cleared again just before the app's execve.
            ProcessCalls.Prctl(ProcessCalls.PR_SET_PDEATHSIG, ProcessCalls.SIGKILL);
            if (supervisor != 0 && ProcessCalls.GetParentPid() != supervisor)
                throw new Stage1Error("app-init", "the run supervisor exited during setup");
            Setup(o, appName);
            return 0; // not reached: Setup execs the app
        }
        catch (Stage1Error e)
        {
            Report(reportFd, e.Line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NativeCallException)
        {
            Report(reportFd, "stage1: setup: " + e.Message);
        }
        return Stage1Error.ExitCode;
    }

    private static void Report(int fd, string line)
    {
        try { ProcessCalls.WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(line + "\n")); }
        catch (NativeCallException) { Log.Error(line); }
    }

    private static void Setup(RunOptions o, string appName)
    {
        FlyPod pod = FlyPod.Load(Directory.GetCurrentDirectory());
        FlyApp fa = pod.App(appName);
        App app = fa.LoadImage();
        string rfs = fa.AppRootfs;
        Log.Step($"app {fa.Name}: image {fa.Image!.Name} rootfs {rfs}");

        List<VolumeMount> volumes = VolumePlan.Build(fa);
        AppMounts.Apply(fa, volumes);

        Credentials creds = CredentialResolver.Resolve(rfs, app.User, app.Group, app.SupplementaryGids.Select(g => (uint)g).ToList());
        string workDir = string.IsNullOrEmpty(app.WorkingDirectory) ? "/" : RootfsPath.Normalize(app.WorkingDirectory);
        if (!Directory.Exists(RootfsPath.Resolve(rfs, workDir)))
            throw new Stage1Error("working directory " + workDir, "does not exist in the app rootfs");

        List<KeyValuePair<string, string>> env = AppEnvironment.Build(app, fa.Name, creds);
        string path = env.First(e => e.Key == "PATH").Value;
        string exec = ExecResolver.Resolve(rfs, app.Exec[0], workDir, path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fa.EnvFile)!);
            AtomicFile.Write(fa.EnvFile, AppEnvironment.ToFileText(env), Modes.File0644, durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Stage1Error.From("write " + fa.EnvFile, e); }
        Log.Step($"wrote environment ({env.Count} variables) to {fa.EnvFile}");

        // stdio: detached pods log to logs/<app>.log and read /dev/null; attached pods keep the terminal (stdin only
        // for the first app: several readers of one terminal would steal each other's input).
        int logFd = -1, nullFd = -1;
        bool first = pod.Apps[0] == fa;
        if (!o.Attach)
        {
            try
            {
                if (!Directory.Exists(pod.LogsDir))
                {
                    Directory.CreateDirectory(pod.LogsDir);
                    File.SetUnixFileMode(pod.LogsDir, Modes.Dir0750);
                }
                logFd = ProcessCalls.Open(fa.LogFile, ProcessCalls.O_WRONLY | ProcessCalls.O_CREAT | ProcessCalls.O_APPEND | ProcessCalls.O_CLOEXEC | ProcessCalls.O_NOCTTY, (int)Modes.File0640);
                nullFd = ProcessCalls.Open("/dev/null", ProcessCalls.O_RDONLY | ProcessCalls.O_CLOEXEC);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NativeCallException) { throw Stage1Error.From("open log " + fa.LogFile, e); }
            Log.Step($"stdout and stderr append to {fa.LogFile}; stdin is /dev/null");
        }
        else if (first) Log.Step("attached: the app keeps stage1's stdin, stdout and stderr");
        else
        {
            try { nullFd = ProcessCalls.Open("/dev/null", ProcessCalls.O_RDONLY | ProcessCalls.O_CLOEXEC); }
            catch (NativeCallException e) { throw Stage1Error.From("open /dev/null", e); }
            Log.Step("attached: the app keeps stage1's stdout and stderr; stdin is /dev/null (the first app reads the terminal)");
        }

        // appsinfo/<app>/pid: this process becomes the app. The pod-level pid and pgid files are the supervisor's,
        // written once every app runs.
        int pid = ProcessCalls.GetPid();
        try
        {
            Directory.CreateDirectory(fa.InfoDir);
            AtomicFile.Write(fa.PidFile, pid.ToString(CultureInfo.InvariantCulture), Modes.File0644, durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Stage1Error.From("write " + fa.PidFile, e); }
        Log.Step($"wrote pid {pid} to {fa.PidFile}");

        Call("chroot " + rfs, () => ProcessCalls.Chroot(rfs));
        Log.Step($"chroot {rfs}");
        Call("chdir " + workDir, () => ProcessCalls.Chdir(workDir));
        Log.Step($"chdir {workDir}");

        uint[] groups = creds.Groups.ToArray();
        Call("setgroups", () => ProcessCalls.SetGroups(groups));
        Call("setresgid " + creds.Gid.ToString(CultureInfo.InvariantCulture), () => ProcessCalls.SetResGid(creds.Gid));
        Call("setresuid " + creds.Uid.ToString(CultureInfo.InvariantCulture), () => ProcessCalls.SetResUid(creds.Uid));
        Log.Step($"credentials uid={creds.Uid} gid={creds.Gid} groups={string.Join(',', groups)} (user \"{app.User}\", group \"{app.Group}\")");

        var argv = new List<string>(app.Exec);
        Log.Step($"execve {exec} argv=[{string.Join(", ", argv.Select(Quote))}]");
        if (nullFd >= 0) ProcessCalls.Dup2(nullFd, 0);
        if (logFd >= 0)
        {
            ProcessCalls.Dup2(logFd, 1);
            ProcessCalls.Dup2(logFd, 2);
        }
        ProcessCalls.Prctl(ProcessCalls.PR_SET_PDEATHSIG, 0);
        ProcessCalls.ResetSignalsForExec();
        try { ProcessCalls.Execve(exec, argv, env.Select(e => e.Key + "=" + e.Value).ToList()); }
        catch (NativeCallException e) { throw new Stage1Error("execve " + exec, LinuxSyscalls.StrError(e.Errno)); }
    }

    private static void Call(string what, Action a)
    {
        try { a(); }
        catch (NativeCallException e) { throw new Stage1Error(what, LinuxSyscalls.StrError(e.Errno)); }
    }

    internal static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
