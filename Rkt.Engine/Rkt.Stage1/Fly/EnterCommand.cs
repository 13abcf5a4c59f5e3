// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Stage1.Rootfs;

namespace Rkt.Stage1.Fly;

/// <summary>
/// <c>enter --pid=PID --appname=APP [--] [CMD ARGS...]</c> (cwd = pod dir): runs a command beside the app: in its
/// mount namespace, chrooted to its root, in its working directory, with its uid/gid/groups and the environment
/// stage1 recorded in <c>rkt/env/APP</c>. Default command <c>/bin/sh</c>.
/// </summary>
/// <remarks>
/// Order matters: everything in the pod dir and /proc/PID is read or opened before setns (joining a mount
/// namespace resets root and cwd to that namespace's root). The root and cwd are opened as descriptors first, then
/// fchdir(root) + chroot(".") + fchdir(cwd). unshare(CLONE_FS) first, because setns(CLONE_NEWNS) refuses a process
/// whose threads share filesystem attributes (every .NET process has several threads).
/// </remarks>
internal static class EnterCommand
{
    public static int Execute(IReadOnlyList<string> args)
    {
        int pid = 0;
        string? app = null;
        var cmd = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { cmd.AddRange(args.Skip(i + 1)); break; }
            if (a.StartsWith("--pid=", StringComparison.Ordinal)) pid = Cli.Flags.Int(a, a[6..]);
            else if (a.StartsWith("--appname=", StringComparison.Ordinal)) app = a[10..];
            else if (a == "--debug" || a == "--debug=true") Log.DebugEnabled = true;
            else if (a.StartsWith("--", StringComparison.Ordinal)) Log.Warn($"ignoring unsupported flag {a}");
            else { cmd.AddRange(args.Skip(i)); break; }
        }
        if (pid <= 1) throw new Stage1Error("arguments", "--pid=PID of the app is required");
        if (app is null || !Formats.Appc.Types.AcName.TryParse(app, out _)) throw new Stage1Error("arguments", "--appname=APP (an app name) is required");
        if (cmd.Count == 0) cmd.Add("/bin/sh");

        string podDir = Directory.GetCurrentDirectory();
        string envFile = Path.Combine(podDir, "stage1", "rootfs", "rkt", "env", app);
        List<string> env;
        try { env = AppEnvironment.ParseFile(File.ReadAllText(envFile)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Stage1Error.From("read " + envFile, e); }

        string proc = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        (uint uid, uint gid, uint[] groups) = ReadCredentials(proc + "/status");
        int rootFd = OpenDir(proc + "/root");
        int cwdFd = OpenDir(proc + "/cwd");
        int nsFd;
        try { nsFd = ProcessCalls.Open(proc + "/ns/mnt", ProcessCalls.O_RDONLY | ProcessCalls.O_CLOEXEC); }
        catch (NativeCallException e) { throw new Stage1Error("open " + proc + "/ns/mnt", LinuxSyscalls.StrError(e.Errno)); }

        Call("unshare(CLONE_FS)", () => ProcessCalls.Unshare(ProcessCalls.CLONE_FS));
        Call("setns " + proc + "/ns/mnt", () => ProcessCalls.Setns(nsFd, ProcessCalls.CLONE_NEWNS, proc + "/ns/mnt"));
        Log.Step($"enter: joined the mount namespace of pid {pid}");
        Call("fchdir " + proc + "/root", () => ProcessCalls.Fchdir(rootFd));
        Call("chroot " + proc + "/root", () => ProcessCalls.Chroot("."));
        Call("fchdir " + proc + "/cwd", () => ProcessCalls.Fchdir(cwdFd));
        Log.Step($"enter: chroot to the root of pid {pid}, cwd {Directory.GetCurrentDirectory()}");
        ProcessCalls.Close(rootFd);
        ProcessCalls.Close(cwdFd);
        ProcessCalls.Close(nsFd);

        Call("setgroups", () => ProcessCalls.SetGroups(groups));
        Call("setresgid " + gid.ToString(CultureInfo.InvariantCulture), () => ProcessCalls.SetResGid(gid));
        Call("setresuid " + uid.ToString(CultureInfo.InvariantCulture), () => ProcessCalls.SetResUid(uid));
        Log.Step($"enter: credentials uid={uid} gid={gid} groups={string.Join(',', groups)}");

        string exec = cmd[0];
        if (!exec.Contains('/'))
        {
            string path = env.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? AppEnvironment.DefaultPath;
            exec = ExecResolver.Resolve("/", exec, "/", path);
        }
        Log.Step($"enter: execve {exec} argv=[{string.Join(", ", cmd.Select(AppInit.Quote))}]");
        ProcessCalls.ResetSignalsForExec();
        try { ProcessCalls.Execve(exec, cmd, env); }
        catch (NativeCallException e) { throw new Stage1Error("execve " + exec, LinuxSyscalls.StrError(e.Errno)); }
        return Stage1Error.ExitCode;
    }

    private static int OpenDir(string path)
    {
        try { return ProcessCalls.Open(path, ProcessCalls.O_RDONLY | ProcessCalls.O_DIRECTORY | ProcessCalls.O_CLOEXEC); }
        catch (NativeCallException e) { throw new Stage1Error("open " + path, LinuxSyscalls.StrError(e.Errno)); }
    }

    /// <summary>Effective uid, gid and supplementary groups of the app from /proc/PID/status.</summary>
    private static (uint, uint, uint[]) ReadCredentials(string statusPath)
    {
        string[] lines;
        try { lines = File.ReadAllLines(statusPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new Stage1Error("enter", $"the app process is gone ({statusPath}: {e.Message})"); }
        uint Field(string name, int index)
        {
            string? l = lines.FirstOrDefault(x => x.StartsWith(name + ":", StringComparison.Ordinal))
                ?? throw new Stage1Error("read " + statusPath, $"no {name} line");
            string[] f = l[(name.Length + 1)..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return uint.Parse(f[index], CultureInfo.InvariantCulture);
        }
        uint uid = Field("Uid", 1), gid = Field("Gid", 1);
        string? g = lines.FirstOrDefault(x => x.StartsWith("Groups:", StringComparison.Ordinal));
        uint[] groups = g is null ? [gid]
            : g[7..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries).Select(x => uint.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return (uid, gid, groups);
    }

    private static void Call(string what, Action a)
    {
        try { a(); }
        catch (NativeCallException e) { throw new Stage1Error(what, LinuxSyscalls.StrError(e.Errno)); }
    }
}
