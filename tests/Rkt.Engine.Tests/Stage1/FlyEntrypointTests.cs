// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;

namespace Rkt.Engine.Tests.Stage1;

/// <summary><c>stop</c>, <c>enter</c> and <c>gc</c> against a running fly pod.</summary>
[Collection(Stage1Collection.Name)]
[Trait("Category", "Privileged")]
public sealed class FlyEntrypointTests(Stage1Binary binary)
{
    private const string Uuid = "6f1b2a60-0000-4000-8000-000000000003";

    [Fact]
    public void Stop_terminates_the_app_and_is_a_no_op_once_it_is_gone()
    {
        Privileged.Require();
        using var pod = new TestPod(binary);
        pod.PodApp = new JsonObject { ["exec"] = new JsonArray("/bin/sleep", "1000"), ["user"] = "0", ["group"] = "0" };
        pod.Write();
        using var p = pod.Start("run", Uuid);
        int pid = pod.WaitForApp();
        Assert.True(Directory.Exists("/proc/" + pid));
        Stage1Result stop = pod.RunPlain("stop", "--debug", Uuid);
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains($"stage1: stop {Uuid}: sent SIGTERM to app app1 (pid {pid})", stop.Stderr);
        Assert.Equal(143, TestPod.Wait(p).ExitCode);
        Assert.Equal("143", pod.Status);

        Stage1Result again = pod.RunPlain("stop", "--debug", Uuid);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to signal", again.Stderr);
    }

    [Fact]
    public void Enter_runs_a_command_in_the_apps_namespace_root_credentials_and_environment()
    {
        Privileged.Require();
        using var pod = new TestPod(binary);
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            File.SetUnixFileMode(host, (UnixFileMode)0b111_101_101); // alice must be able to list it
            File.WriteAllText(Path.Combine(host, "only-in-app"), "");
            pod.Volumes.Add(new JsonObject { ["name"] = "data", ["kind"] = "host", ["source"] = host });
            pod.Mounts.Add(new JsonObject { ["volume"] = "data", ["path"] = "/data" });
            pod.Script("sleep 1000", user: "alice", group: "staff", workingDirectory: "/home/alice", env: [("FOO", "bar")]);
            pod.Write();
            using var p = pod.Start("run", Uuid);
            int pid = pod.WaitForApp();
            Stage1Result r = pod.RunPlain("enter", $"--pid={pid}", "--appname=app1", "--", "sh", "-c", "id; pwd; echo FOO=$FOO; ls /data");
            Assert.True(r.ExitCode == 0, r.Stderr);
            string[] lines = r.Stdout.Split('\n');
            Assert.StartsWith("uid=1000(alice) gid=50(staff)", lines[0]);
            Assert.Equal("/home/alice", lines[1]);
            Assert.Equal("FOO=bar", lines[2]);
            Assert.Equal("only-in-app", lines[3]); // the volume exists only in the app's mount namespace

            Stage1Result missing = pod.RunPlain("enter", $"--pid={pid}", "--appname=app1", "--", "no-such-tool");
            Assert.Equal(254, missing.ExitCode);
            Assert.Contains("stage1: exec no-such-tool: not found in PATH", missing.Stderr);

            Assert.Equal(0, pod.RunPlain("stop", Uuid).ExitCode);
            Assert.Equal(143, TestPod.Wait(p).ExitCode);
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Gc_has_nothing_to_clean_and_says_what_it_checked()
    {
        Privileged.Require();
        using var pod = new TestPod(binary);
        pod.Write();
        Assert.Equal(0, pod.Run("run", Uuid).ExitCode);
        Stage1Result r = pod.RunPlain("gc", "--debug", Uuid);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"stage1: gc {Uuid}: checked /proc/self/mountinfo: 0 mount(s) under {pod.Dir}", r.Stderr);
    }
}
