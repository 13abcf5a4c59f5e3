// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>What a finished stage1 process left behind.</summary>
public sealed record Stage1Result(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// A pod directory built by hand the way the engine prepares one: <c>pod</c>, <c>stage1/manifest</c>, the stage1
/// rootfs with the binary and its entrypoint symlinks, and one app (more with <see cref="AddApp"/>) whose rootfs is a
/// copy of Debian's static busybox with applet symlinks, an /etc/passwd and an /etc/group. Stage1 runs as a child under a real flock on the
/// pod directory, passed as RKT_LOCK_FD exactly as the engine does (sh + flock(1), then exec).
/// </summary>
public sealed class TestPod : IDisposable
{
    public const string AppName = "app1";

    private readonly List<Process> _started = [];
    private readonly Dictionary<Process, long> _logOffsets = [];

    public TestPod(Stage1Binary binary)
    {
        Dir = Directory.CreateTempSubdirectory("rktps-pod-").FullName;
        string stage1 = Path.Combine(Dir, "stage1", "rootfs", "stage1");
        Directory.CreateDirectory(stage1);
        Directory.CreateDirectory(Path.Combine(Dir, "stage1", "rootfs", "rkt", "status"));
        File.Copy(binary.Path, Path.Combine(stage1, "rktps-stage1"));
        File.SetUnixFileMode(Path.Combine(stage1, "rktps-stage1"), (UnixFileMode)0b111_101_101);
        foreach (string e in new[] { "run", "enter", "gc", "stop" }) File.CreateSymbolicLink(Path.Combine(stage1, e), "rktps-stage1");
        File.WriteAllText(Path.Combine(Dir, "stage1", "manifest"),
            """{"acKind":"ImageManifest","acVersion":"0.8.11","name":"rktps.io/stage1-fly"}""");

        Primary = new TestApp(this, AppName);
        Apps.Add(Primary);
    }

    public string Dir { get; }

    /// <summary>The apps, in pod-manifest order; the first is <see cref="AppName"/>.</summary>
    public List<TestApp> Apps { get; } = [];

    /// <summary>The first app (the one the single-app properties below stand for).</summary>
    public TestApp Primary { get; }

    public string Rootfs => Primary.Rootfs;
    public string StatusFile => Primary.StatusFile;
    public string EnvFile => Primary.EnvFile;
    public string LogFile => Primary.LogFile;
    public string Entry(string name) => Path.Combine(Dir, "stage1", "rootfs", "stage1", name);

    /// <summary>The first app's image app object (written to its image manifest).</summary>
    public JsonObject ImageApp { get => Primary.ImageApp; set => Primary.ImageApp = value; }

    /// <summary>The pod manifest's app object for the first app; null = inherit the image's.</summary>
    public JsonObject? PodApp { get => Primary.PodApp; set => Primary.PodApp = value; }

    public JsonArray Volumes { get; } = [];

    /// <summary>The first app's mounts.</summary>
    public JsonArray Mounts => Primary.Mounts;

    /// <summary>Adds another app with its own busybox rootfs (<c>stage1/rootfs/opt/stage2/NAME/rootfs</c>).</summary>
    public TestApp AddApp(string name)
    {
        var app = new TestApp(this, name);
        Apps.Add(app);
        return app;
    }

    /// <summary>Sets the first app to run <c>/bin/sh -c script</c> with the given identity.</summary>
    public void Script(string script, string user = "0", string group = "0", string? workingDirectory = null, params (string Name, string Value)[] env) =>
        Primary.Script(script, user, group, workingDirectory, env);

    public void Write()
    {
        var apps = new JsonArray();
        for (int i = 0; i < Apps.Count; i++)
        {
            TestApp a = Apps[i];
            var image = new JsonObject { ["acKind"] = "ImageManifest", ["acVersion"] = "0.8.11", ["name"] = "example.com/busybox", ["app"] = a.ImageApp.DeepClone() };
            File.WriteAllText(Path.Combine(Dir, "stage1", "rootfs", "opt", "stage2", a.Name, "manifest"), image.ToJsonString());
            var app = new JsonObject
            {
                ["name"] = a.Name,
                ["image"] = new JsonObject { ["name"] = "example.com/busybox", ["id"] = "sha512-" + new string((char)('0' + i % 10), 64) },
                ["mounts"] = a.Mounts.DeepClone(),
            };
            if (a.PodApp is not null) app["app"] = a.PodApp.DeepClone();
            apps.Add(app);
        }
        var pod = new JsonObject { ["acKind"] = "PodManifest", ["acVersion"] = "0.8.11", ["apps"] = apps, ["volumes"] = Volumes.DeepClone() };
        File.WriteAllText(Path.Combine(Dir, "pod"), pod.ToJsonString());
    }

    /// <summary>Starts an entrypoint with the pod lock held and passed as RKT_LOCK_FD (cwd = pod dir).</summary>
    public Process Start(string entry, params string[] args) => StartVia(null, entry, args);

    /// <summary>
    /// Like <see cref="Start"/>, optionally through <c>setsid(1)</c> first, which makes stage1 a session (and process
    /// group) leader, the situation where its own setsid() fails and it must re-exec.
    /// </summary>
    public Process StartVia(string? setsid, string entry, params string[] args)
    {
        var psi = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            WorkingDirectory = Dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (setsid is not null) psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec 9<. && flock -x 9 && RKT_LOCK_FD=9 exec \"$0\" \"$@\"");
        psi.ArgumentList.Add(Entry(entry));
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["RKTPS_TEST_HOST_ONLY"] = "leak";
        psi.Environment.Remove("RKT_LOCK_FD");
        long logOffset = File.Exists(Stage1Log) ? new FileInfo(Stage1Log).Length : 0;
        Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        _started.Add(p);
        _logOffsets[p] = logOffset;
        return p;
    }

    /// <summary><c>stage1.log</c>: where a detached run's stage1 writes its own lines instead of stderr.</summary>
    public string Stage1Log => Path.Combine(Dir, "stage1.log");

    /// <summary>Runs an entrypoint to completion (60 s limit); see <see cref="Finish"/> for what Stderr holds.</summary>
    public Stage1Result Run(string entry, params string[] args) => Finish(Start(entry, args));

    /// <summary>
    /// Waits for a process from <see cref="Start"/>/<see cref="StartVia"/>. A detached run sends stage1's own lines
    /// to <c>stage1.log</c> rather than stderr, so Stderr is the process's stderr followed by what it added there.
    /// </summary>
    public Stage1Result Finish(Process p)
    {
        Stage1Result r = Wait(p);
        if (!_logOffsets.TryGetValue(p, out long offset) || !File.Exists(Stage1Log)) return r;
        using var fs = new FileStream(Stage1Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(offset, SeekOrigin.Begin);
        return r with { Stderr = r.Stderr + new StreamReader(fs).ReadToEnd() };
    }

    /// <summary>Runs an entrypoint without the lock or RKT_LOCK_FD (stop, enter, gc are run like this by the engine).</summary>
    public Stage1Result RunPlain(string entry, params string[] args)
    {
        var psi = new ProcessStartInfo(Entry(entry))
        {
            WorkingDirectory = Dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        long logOffset = File.Exists(Stage1Log) ? new FileInfo(Stage1Log).Length : 0;
        Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        _started.Add(p);
        _logOffsets[p] = logOffset;
        return Finish(p);
    }

    public static Stage1Result Wait(Process p, int seconds = 60)
    {
        Task<string> so = p.StandardOutput.ReadToEndAsync(), se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            p.Kill(true);
            throw new TimeoutException($"stage1 did not exit within {seconds}s; stderr so far: {(se.IsCompleted ? se.Result : "")}");
        }
        p.WaitForExit();
        return new Stage1Result(p.ExitCode, so.Result, se.Result);
    }

    /// <summary>Waits until the app has written <c>pid</c> (and a marker file, when given) and returns the pid.</summary>
    public int WaitForApp(string? markerInRootfs = null, int seconds = 30)
    {
        var sw = Stopwatch.StartNew();
        string pidFile = Path.Combine(Dir, "pid");
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (File.Exists(pidFile) && (markerInRootfs is null || File.Exists(markerInRootfs)))
            {
                string s = File.ReadAllText(pidFile);
                if (int.TryParse(s, out int pid)) return pid;
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException("the app did not start (no pid file / marker)");
    }

    /// <summary>Whether some process holds the pod directory's flock (a non-blocking exclusive attempt fails).</summary>
    public bool LockHeld()
    {
        using SafeFileHandle h = LinuxSyscalls.Instance.OpenDirectory(Dir);
        if (!LinuxSyscalls.Instance.Flock(h, LockKind.Exclusive, wait: false)) return true;
        LinuxSyscalls.Instance.Unlock(h);
        return false;
    }

    public string? Status => File.Exists(StatusFile) ? File.ReadAllText(StatusFile) : null;

    /// <summary>Host mount points (this test process's namespace) at or below <paramref name="dir"/>.</summary>
    public static List<string> HostMountsUnder(string dir) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m == dir || m.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();

    public void Dispose()
    {
        foreach (Process p in _started)
        {
            try { if (!p.HasExited) { p.Kill(true); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        // Apps still running (lock held) after a failed test: kill them. Never signal a pid from a pod that exited.
        if (LockHeld())
        {
            foreach (string f in Apps.Select(a => a.PidFile).Append(Path.Combine(Dir, "pid")))
                if (File.Exists(f) && int.TryParse(File.ReadAllText(f), out int app)) ProcessCalls.Kill(app, ProcessCalls.SIGKILL);
        }
        // Never recurse into a directory that still has something mounted below it (it could be the host's /dev).
        if (HostMountsUnder(Dir).Count == 0)
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>One app of a <see cref="TestPod"/>: a copy of Debian's static busybox with applet symlinks, passwd and group.</summary>
public sealed class TestApp
{
    private static readonly string[] Applets =
        ["sh", "id", "env", "pwd", "cat", "sleep", "true", "false", "touch", "echo", "ls", "mkdir", "grep", "stat", "test", "kill", "readlink", "wc", "sort"];

    internal TestApp(TestPod pod, string name)
    {
        Name = name;
        string s1 = Path.Combine(pod.Dir, "stage1", "rootfs");
        Rootfs = Path.Combine(s1, "opt", "stage2", name, "rootfs");
        StatusFile = Path.Combine(s1, "rkt", "status", name);
        EnvFile = Path.Combine(s1, "rkt", "env", name);
        LogFile = Path.Combine(pod.Dir, "logs", name + ".log");
        PidFile = Path.Combine(pod.Dir, "appsinfo", name, "pid");
        foreach (string d in new[] { "bin", "etc", "home/alice", "srv/app", "root" }) Directory.CreateDirectory(Path.Combine(Rootfs, d));
        string busybox = File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";
        if (!File.Exists(busybox)) throw new InvalidOperationException("busybox is required (Debian package busybox-static)");
        File.Copy(busybox, Path.Combine(Rootfs, "bin", "busybox"));
        foreach (string a in Applets) File.CreateSymbolicLink(Path.Combine(Rootfs, "bin", a), "busybox");
        File.WriteAllText(Path.Combine(Rootfs, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nbob:x:1001:1001::/srv/app:/bin/sh\n");
        File.WriteAllText(Path.Combine(Rootfs, "etc", "group"), "root:x:0:\nalice:x:1000:\nstaff:x:50:alice\nwheel:x:10:\n");
        File.WriteAllText(Path.Combine(Rootfs, "etc", "resolv.conf"), "# image resolv.conf\n");
        ProcessCallsForTests.Chown(Path.Combine(Rootfs, "home", "alice"), 1000, 1000);
        ProcessCallsForTests.Chown(Path.Combine(Rootfs, "srv", "app"), 1001, 1001);
    }

    public string Name { get; }
    public string Rootfs { get; }
    public string StatusFile { get; }
    public string EnvFile { get; }
    public string LogFile { get; }

    /// <summary><c>appsinfo/&lt;app&gt;/pid</c>, present while the app runs.</summary>
    public string PidFile { get; }

    /// <summary>The image's app object (written to the image manifest).</summary>
    public JsonObject ImageApp { get; set; } = new() { ["exec"] = new JsonArray("/bin/true"), ["user"] = "0", ["group"] = "0" };

    /// <summary>The pod manifest's app object; null = inherit the image's.</summary>
    public JsonObject? PodApp { get; set; }

    public JsonArray Mounts { get; } = [];

    public string? Status => File.Exists(StatusFile) ? File.ReadAllText(StatusFile) : null;

    /// <summary>Sets a pod-level app running <c>/bin/sh -c script</c> with the given identity.</summary>
    public void Script(string script, string user = "0", string group = "0", string? workingDirectory = null, params (string Name, string Value)[] env)
    {
        var app = new JsonObject { ["exec"] = new JsonArray("/bin/sh", "-c", script), ["user"] = user, ["group"] = group };
        if (workingDirectory is not null) app["workingDirectory"] = workingDirectory;
        if (env.Length > 0) app["environment"] = new JsonArray(env.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["value"] = e.Value }).ToArray());
        PodApp = app;
    }
}

/// <summary>lchown for building fixtures (tests may call the Native layer; they do not P/Invoke themselves).</summary>
internal static class ProcessCallsForTests
{
    public static void Chown(string path, int uid, int gid) => LinuxSyscalls.Instance.Lchown(path, uid, gid);
}
