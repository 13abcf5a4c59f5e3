// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>Pods of several apps under the fly <c>run</c> supervisor: one app-init per app, shared empty volumes, exit rule.</summary>
[Collection(Stage1Collection.Name)]
[Trait("Category", "Privileged")]
public sealed class FlyMultiAppTests(Stage1Binary binary)
{
    private const string Uuid = "6f1b2a60-0000-4000-8000-000000000004";

    private TestPod NewPod()
    {
        Privileged.Require();
        return new TestPod(binary);
    }

    private static string Read(string path) => File.ReadAllText(path).Trim();

    private static void WaitFor(Func<bool> condition, string what, int seconds = 30)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void Two_apps_share_an_empty_volume_and_each_gets_its_status_and_log()
    {
        using TestPod pod = NewPod();
        TestApp b = pod.AddApp("b");
        pod.Volumes.Add(new JsonObject { ["name"] = "shared", ["kind"] = "empty", ["mode"] = "0777" });
        pod.Mounts.Add(new JsonObject { ["volume"] = "shared", ["path"] = "/shared" });
        b.Mounts.Add(new JsonObject { ["volume"] = "shared", ["path"] = "/exchange" });
        pod.Script("echo from-app1 > /shared/.msg && mv /shared/.msg /shared/msg; echo app1 wrote");
        b.Script("i=0; while [ ! -e /exchange/msg ]; do i=$((i+1)); [ $i -gt 500 ] && exit 99; sleep 0.02; done; cat /exchange/msg; exit 3");
        pod.Write();

        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 3, r.Stderr);
        Assert.Equal("0", pod.Primary.Status);
        Assert.Equal("3", b.Status);
        Assert.Equal("app1 wrote\n", File.ReadAllText(pod.LogFile));
        Assert.Equal("from-app1\n", File.ReadAllText(b.LogFile));
        Assert.Equal("from-app1\n", File.ReadAllText(Path.Combine(pod.Dir, "sharedVolumes", "shared", "msg")));
        // Per-app pid files exist only while the app runs; the pod's pid file stays (rkt's meaning: the first app).
        Assert.False(File.Exists(pod.Primary.PidFile));
        Assert.False(File.Exists(b.PidFile));
        Assert.True(File.Exists(Path.Combine(pod.Dir, "pid")));
        Assert.False(pod.LockHeld());
        Assert.Empty(TestPod.HostMountsUnder(pod.Dir));
    }

    [Fact]
    public void Pod_status_is_the_first_failing_app_in_manifest_order_and_zero_when_all_succeed()
    {
        using TestPod pod = NewPod();
        TestApp b = pod.AddApp("b");
        TestApp c = pod.AddApp("c");
        pod.Script("exit 0");
        b.Script("sleep 0.5; exit 5"); // fails last in time, first in manifest order
        c.Script("exit 7");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 5, r.Stderr);
        Assert.Equal(["0", "5", "7"], pod.Apps.Select(a => a.Status));

        b.Script("exit 0");
        c.Script("true");
        pod.Write();
        Stage1Result ok = pod.Run("run", Uuid);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal(["0", "0", "0"], pod.Apps.Select(a => a.Status));
    }

    [Fact]
    public void Each_app_has_its_own_root_mount_namespace_credentials_and_environment()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            File.SetUnixFileMode(host, (UnixFileMode)0b111_111_111);
            TestApp b = pod.AddApp("b");
            File.WriteAllText(Path.Combine(b.Rootfs, "etc", "which"), "b\n");
            File.WriteAllText(Path.Combine(pod.Rootfs, "etc", "which"), "app1\n");
            pod.Volumes.Add(new JsonObject { ["name"] = "out", ["kind"] = "host", ["source"] = host });
            pod.Mounts.Add(new JsonObject { ["volume"] = "out", ["path"] = "/out" });
            b.Mounts.Add(new JsonObject { ["volume"] = "out", ["path"] = "/out" });
            const string report = "n=$AC_APP_NAME; cat /etc/which > /out/$n.which; id -u > /out/$n.uid; echo \"$FOO\" > /out/$n.foo; " +
                                  "readlink /proc/self/ns/mnt > /out/$n.ns; grep -c . /proc/self/mountinfo > /out/$n.mounts";
            pod.Script(report, user: "alice", group: "staff", env: [("FOO", "one")]);
            b.Script(report, user: "bob", group: "0", env: [("FOO", "two")]);
            pod.Write();

            Stage1Result r = pod.Run("run", Uuid);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("app1", Read(Path.Combine(host, "app1.which")));
            Assert.Equal("b", Read(Path.Combine(host, "b.which")));
            Assert.Equal("1000", Read(Path.Combine(host, "app1.uid")));
            Assert.Equal("1001", Read(Path.Combine(host, "b.uid")));
            Assert.Equal("one", Read(Path.Combine(host, "app1.foo")));
            Assert.Equal("two", Read(Path.Combine(host, "b.foo")));
            string ns1 = Read(Path.Combine(host, "app1.ns")), ns2 = Read(Path.Combine(host, "b.ns"));
            Assert.StartsWith("mnt:[", ns1);
            Assert.NotEqual(ns1, ns2);
            Assert.Contains("AC_APP_NAME=b", File.ReadAllLines(b.EnvFile));
            Assert.Contains("FOO=one", File.ReadAllLines(pod.EnvFile));
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Pid_files_name_each_app_stop_signals_every_app_and_enter_joins_the_named_one()
    {
        using TestPod pod = NewPod();
        TestApp b = pod.AddApp("b");
        File.WriteAllText(Path.Combine(b.Rootfs, "etc", "which"), "b\n");
        File.WriteAllText(Path.Combine(pod.Rootfs, "etc", "which"), "app1\n");
        pod.Script("echo $$ > /srv/app/mypid; sleep 1000");
        b.Script("echo $$ > /srv/app/mypid; sleep 1000");
        pod.Write();
        using var p = pod.Start("run", Uuid);
        WaitFor(() => File.Exists(Path.Combine(pod.Dir, "pid")) && pod.Apps.All(a => File.Exists(Path.Combine(a.Rootfs, "srv", "app", "mypid"))), "both apps");
        int pid1 = int.Parse(Read(pod.Primary.PidFile)), pid2 = int.Parse(Read(b.PidFile));
        Assert.Equal(Read(Path.Combine(pod.Rootfs, "srv", "app", "mypid")), pid1.ToString());
        Assert.Equal(Read(Path.Combine(b.Rootfs, "srv", "app", "mypid")), pid2.ToString());
        Assert.Equal(pid1.ToString(), Read(Path.Combine(pod.Dir, "pid"))); // rkt's pid: the first app

        Stage1Result enter = pod.RunPlain("enter", $"--pid={pid2}", "--appname=b", "--", "cat", "/etc/which");
        Assert.True(enter.ExitCode == 0, enter.Stderr);
        Assert.Equal("b\n", enter.Stdout);

        Stage1Result stop = pod.RunPlain("stop", "--debug", Uuid);
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains($"stage1: stop {Uuid}: sent SIGTERM to app app1 (pid {pid1})", stop.Stderr);
        Assert.Contains($"stage1: stop {Uuid}: sent SIGTERM to app b (pid {pid2})", stop.Stderr);
        Assert.Equal(143, TestPod.Wait(p).ExitCode);
        Assert.Equal(["143", "143"], pod.Apps.Select(a => a.Status));
        Assert.False(pod.LockHeld());
    }

    [Fact]
    public void Stop_after_one_app_exited_signals_only_the_apps_still_running()
    {
        using TestPod pod = NewPod();
        TestApp b = pod.AddApp("b");
        pod.Script("exit 4");
        b.Script("touch /srv/app/started; sleep 1000");
        pod.Write();
        using var p = pod.Start("run", Uuid);
        WaitFor(() => pod.Primary.Status is not null && File.Exists(Path.Combine(b.Rootfs, "srv", "app", "started")), "app1 to exit and b to run");
        Assert.False(File.Exists(pod.Primary.PidFile)); // removed before the exited app was reaped
        Assert.True(pod.LockHeld());                   // the pod runs while any app does
        Stage1Result stop = pod.RunPlain("stop", "--debug", Uuid);
        Assert.Equal(0, stop.ExitCode);
        Assert.DoesNotContain("app app1", stop.Stderr);
        Assert.Contains("sent SIGTERM to app b", stop.Stderr);
        Assert.Equal(4, TestPod.Wait(p).ExitCode); // app1 failed first in manifest order
        Assert.Equal("143", b.Status);
    }

    [Fact]
    public void Setup_failure_of_one_app_stops_the_others_and_exits_254_without_status()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            TestApp b = pod.AddApp("b");
            pod.Volumes.Add(new JsonObject { ["name"] = "out", ["kind"] = "host", ["source"] = host });
            pod.Mounts.Add(new JsonObject { ["volume"] = "out", ["path"] = "/out" });
            pod.Script("echo $$ > /out/app1.pid; sleep 1000");
            b.Script("true", user: "mallory");
            pod.Write();
            // Run gives up after 60 s: app1 (sleep 1000) must have been stopped, not waited for.
            Stage1Result r = pod.Run("run", Uuid);
            Assert.Equal(254, r.ExitCode);
            Assert.Contains("stage1: app b: user mallory: not found in the image's /etc/passwd", r.Stderr.Split('\n'));
            Assert.All(pod.Apps, a => Assert.Null(a.Status));
            if (File.Exists(Path.Combine(host, "app1.pid")))
                Assert.False(Directory.Exists("/proc/" + Read(Path.Combine(host, "app1.pid"))), "app1 must have been stopped");
            Assert.False(pod.LockHeld());
            Assert.Empty(TestPod.HostMountsUnder(pod.Dir));
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Attached_apps_share_stdout_and_only_the_first_reads_stdin()
    {
        using TestPod pod = NewPod();
        TestApp b = pod.AddApp("b");
        pod.Script("readlink /proc/self/fd/0 > /srv/app/stdin; echo out-app1");
        b.Script("readlink /proc/self/fd/0 > /srv/app/stdin; echo out-b");
        pod.Write();
        Stage1Result r = pod.Run("run", "--attach", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("out-app1", r.Stdout);
        Assert.Contains("out-b", r.Stdout);
        Assert.NotEqual("/dev/null", Read(Path.Combine(pod.Rootfs, "srv", "app", "stdin")));
        Assert.Equal("/dev/null", Read(Path.Combine(b.Rootfs, "srv", "app", "stdin")));
        Assert.False(File.Exists(pod.LogFile));
    }

    [Fact]
    public void Interactive_is_refused_for_a_pod_of_several_apps()
    {
        using TestPod pod = NewPod();
        pod.AddApp("b");
        pod.Write();
        Stage1Result r = pod.Run("run", "--interactive", Uuid);
        Assert.Equal(254, r.ExitCode);
        Assert.Contains("stage1: --interactive: needs a pod of one app, this pod has 2", r.Stderr);
    }
}
