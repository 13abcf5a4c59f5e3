// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>The fly <c>run</c> entrypoint, driven through the published binary on hand-built pod directories.</summary>
[Collection(Stage1Collection.Name)]
[Trait("Category", "Privileged")]
public sealed class FlyRunTests(Stage1Binary binary)
{
    private const string Uuid = "6f1b2a60-0000-4000-8000-000000000001";

    private TestPod NewPod()
    {
        Privileged.Require();
        return new TestPod(binary);
    }

    [Fact]
    public void Exit_code_is_propagated_and_written_to_the_status_file()
    {
        using TestPod pod = NewPod();
        pod.Script("exit 7");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal("7", pod.Status);
    }

    [Fact]
    public void Death_by_signal_is_128_plus_the_signal()
    {
        using TestPod pod = NewPod();
        pod.Script("kill -9 $$");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.Equal(137, r.ExitCode);
        Assert.Equal("137", pod.Status);
    }

    [Fact]
    public void Image_app_is_used_when_the_pod_has_none_and_true_exits_zero()
    {
        using TestPod pod = NewPod();
        pod.Write(); // image app: /bin/true
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("0", pod.Status);
    }

    [Fact]
    public void Environment_has_app_entries_defaults_and_executor_variables_but_nothing_from_the_host()
    {
        using TestPod pod = NewPod();
        pod.Script("env > /srv/app/env.out", env: [("FOO", "bar baz"), ("HOME", "/custom")]);
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] env = File.ReadAllLines(Path.Combine(pod.Rootfs, "srv", "app", "env.out"));
        Assert.Contains("FOO=bar baz", env);
        Assert.Contains("AC_APP_NAME=app1", env);
        Assert.Contains("container=rkt", env);
        Assert.Contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env);
        Assert.Contains("SHELL=/bin/sh", env);
        Assert.Contains("USER=root", env);
        Assert.Contains("HOME=/custom", env); // the app's own value wins over the default
        Assert.DoesNotContain(env, l => l.StartsWith("RKTPS_TEST_HOST_ONLY=", StringComparison.Ordinal) || l.StartsWith("RKT_LOCK_FD=", StringComparison.Ordinal));

        string[] file = File.ReadAllLines(pod.EnvFile);
        Assert.Equal("FOO=bar baz", file[0]);
        Assert.Contains("AC_APP_NAME=app1", file);
        Assert.Contains("container=rkt", file);
    }

    [Fact]
    public void User_and_group_names_resolve_in_the_image_passwd_and_group()
    {
        using TestPod pod = NewPod();
        pod.Script("id > /home/alice/id.out; echo \"$USER $LOGNAME $HOME\" > /home/alice/who.out", user: "alice", group: "staff");
        pod.PodApp!["supplementaryGIDs"] = new JsonArray(10, 1000);
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string id = File.ReadAllText(Path.Combine(pod.Rootfs, "home", "alice", "id.out")).Trim();
        Assert.StartsWith("uid=1000(alice) gid=50(staff) groups=", id);
        string groups = id[(id.IndexOf("groups=", StringComparison.Ordinal) + 7)..];
        Assert.Equal(new[] { "10(wheel)", "50(staff)", "1000(alice)" }.Order(StringComparer.Ordinal), groups.Split(',').Order(StringComparer.Ordinal));
        Assert.Equal("alice alice /home/alice", File.ReadAllText(Path.Combine(pod.Rootfs, "home", "alice", "who.out")).Trim());
    }

    [Fact]
    public void Numeric_and_path_forms_of_user_and_group()
    {
        using TestPod pod = NewPod();
        // "/srv/app" is owned by 1001:1001 in the image; user 1001 is bob in passwd (USER/HOME from it).
        pod.Script("id -u > /srv/app/u; id -g > /srv/app/g; echo $USER $HOME > /srv/app/who", user: "/srv/app", group: "1001");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("1001", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "u")).Trim());
        Assert.Equal("1001", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "g")).Trim());
        Assert.Equal("bob /srv/app", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "who")).Trim());
    }

    [Fact]
    public void Working_directory_is_set_and_relative_paths_resolve_against_it()
    {
        using TestPod pod = NewPod();
        pod.Script("pwd > where; touch relative-ok", workingDirectory: "/srv/app");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("/srv/app", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "where")).Trim());
        Assert.True(File.Exists(Path.Combine(pod.Rootfs, "srv", "app", "relative-ok")));
    }

    [Fact]
    public void Volumes_host_read_only_and_empty()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(host, "hello.txt"), "from the host\n");
            pod.Volumes.Add(new JsonObject { ["name"] = "data", ["kind"] = "host", ["source"] = host });
            pod.Volumes.Add(new JsonObject { ["name"] = "conf", ["kind"] = "host", ["source"] = host, ["readOnly"] = true });
            pod.Volumes.Add(new JsonObject { ["name"] = "scratch", ["kind"] = "empty", ["mode"] = "0770", ["uid"] = 1000, ["gid"] = 50 });
            pod.Mounts.Add(new JsonObject { ["volume"] = "data", ["path"] = "/data" });
            pod.Mounts.Add(new JsonObject { ["volume"] = "conf", ["path"] = "/etc/app" });
            pod.Mounts.Add(new JsonObject { ["volume"] = "scratch", ["path"] = "/var/scratch" });
            pod.Script(
                "cat /data/hello.txt > /data/seen; " +
                "touch /etc/app/x 2> /data/ro.err; echo $? > /data/ro.rc; " +
                "stat -c '%a %u %g' /var/scratch > /data/scratch.stat; echo shared > /var/scratch/file");
            pod.Write();
            Stage1Result r = pod.Run("run", Uuid);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("from the host\n", File.ReadAllText(Path.Combine(host, "seen")));
            Assert.Equal("1", File.ReadAllText(Path.Combine(host, "ro.rc")).Trim());
            Assert.Contains("Read-only file system", File.ReadAllText(Path.Combine(host, "ro.err")));
            Assert.False(File.Exists(Path.Combine(host, "x")));
            Assert.Equal("770 1000 50", File.ReadAllText(Path.Combine(host, "scratch.stat")).Trim());
            string backing = Path.Combine(pod.Dir, "sharedVolumes", "scratch");
            Assert.Equal("shared\n", File.ReadAllText(Path.Combine(backing, "file")));
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Mount_points_take_their_volume_and_read_only_flag_from_the_image()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            pod.ImageApp["mountPoints"] = new JsonArray(new JsonObject { ["name"] = "cache", ["path"] = "/var/cache/app", ["readOnly"] = true });
            pod.ImageApp["exec"] = new JsonArray("/bin/sh", "-c", "touch /var/cache/app/x 2>/dev/null; echo $? > /srv/app/rc; ls /var/cache/app > /srv/app/ls");
            File.WriteAllText(Path.Combine(host, "present"), "");
            pod.Volumes.Add(new JsonObject { ["name"] = "cache", ["kind"] = "host", ["source"] = host });
            pod.Write();
            Stage1Result r = pod.Run("run", Uuid);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("1", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "rc")).Trim());
            Assert.Equal("present", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "ls")).Trim());
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Etc_resolv_conf_and_hosts_are_the_hosts_and_read_only()
    {
        using TestPod pod = NewPod();
        pod.Script("cat /etc/resolv.conf > /srv/app/resolv; touch /etc/resolv.conf 2>/srv/app/resolv.err; echo $? >> /srv/app/resolv.err; " +
                   "touch /etc/hosts 2>/srv/app/hosts.err; echo $? >> /srv/app/hosts.err");
        pod.Write();
        Stage1Result r = pod.Run("run", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText("/etc/resolv.conf"), File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "resolv")));
        Assert.Contains("Read-only file system", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "resolv.err")));
        Assert.Contains("Read-only file system", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "hosts.err")));
        // The image's own file is untouched underneath (the bind was in the app's namespace only).
        Assert.Equal("# image resolv.conf\n", File.ReadAllText(Path.Combine(pod.Rootfs, "etc", "resolv.conf")));
    }

    [Fact]
    public void Mounts_live_only_in_the_app_namespace_and_vanish_with_it()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        try
        {
            pod.Volumes.Add(new JsonObject { ["name"] = "data", ["kind"] = "host", ["source"] = host });
            pod.Mounts.Add(new JsonObject { ["volume"] = "data", ["path"] = "/data" });
            pod.Script("grep -c . /proc/self/mountinfo > /data/app-mounts; touch /data/started; sleep 1000");
            pod.Write();
            List<string> before = File.ReadAllLines("/proc/self/mountinfo").ToList();
            using var p = pod.Start("run", Uuid);
            pod.WaitForApp(Path.Combine(host, "started"));
            // While the app runs, its /dev, /proc, /sys, /tmp, volume and /etc binds exist in its namespace...
            Assert.True(int.Parse(File.ReadAllText(Path.Combine(host, "app-mounts")).Trim()) >= 7);
            // ...and none of them in the host's.
            Assert.Empty(TestPod.HostMountsUnder(pod.Dir));
            Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(pod.Dir, StringComparison.Ordinal));

            Assert.Equal(0, pod.RunPlain("stop", Uuid).ExitCode);
            Stage1Result r = TestPod.Wait(p);
            Assert.Equal(143, r.ExitCode);
            List<string> after = File.ReadAllLines("/proc/self/mountinfo").ToList();
            Assert.DoesNotContain(after.Except(before), l => l.Contains(pod.Dir, StringComparison.Ordinal) || l.Contains(host, StringComparison.Ordinal));
            Assert.Empty(TestPod.HostMountsUnder(pod.Dir));
        }
        finally { Directory.Delete(host, true); }
    }

    [Fact]
    public void Pid_file_is_the_app_and_pgid_the_pod_session()
    {
        using TestPod pod = NewPod();
        pod.Script("echo $$ > /srv/app/mypid; sleep 1000");
        pod.Write();
        using var p = pod.Start("run", Uuid);
        string marker = Path.Combine(pod.Rootfs, "srv", "app", "mypid");
        int pid = pod.WaitForApp(marker);
        Thread.Sleep(50);
        Assert.Equal(File.ReadAllText(marker).Trim(), pid.ToString());
        Assert.Equal(pid.ToString(), File.ReadAllText(pod.Primary.PidFile)); // appsinfo/app1/pid, what enter --appname uses
        Assert.Equal(p.Id.ToString(), File.ReadAllText(Path.Combine(pod.Dir, "pgid")).Trim()); // stage1 run called setsid
        Assert.Equal(0, pod.RunPlain("stop", "--force", Uuid).ExitCode);
        Assert.Equal(137, TestPod.Wait(p).ExitCode);
        Assert.Equal("137", pod.Status);
    }

    [Fact]
    public void A_process_group_leader_re_execs_into_its_own_session_and_still_reports_the_status()
    {
        using TestPod pod = NewPod();
        pod.Script("exit 5");
        pod.Write();
        using var p = pod.StartVia("/usr/bin/setsid", "run", "--debug", Uuid);
        Stage1Result r = pod.Finish(p);
        Assert.Equal(5, r.ExitCode);
        Assert.Equal("5", pod.Status);
        Assert.Contains("stage1: setsid: this process leads a process group; re-exec as a child to start a new session", r.Stderr);
        // The pod's session is the re-exec'd child's, not the session stage1 was started in.
        Assert.NotEqual(p.Id.ToString(), File.ReadAllText(Path.Combine(pod.Dir, "pgid")).Trim());
        Assert.False(pod.LockHeld());
    }

    [Fact]
    public void Pod_lock_is_held_while_the_app_runs_and_released_when_it_exits()
    {
        using TestPod pod = NewPod();
        pod.Script("touch /srv/app/started; sleep 1000");
        pod.Write();
        using var p = pod.Start("run", Uuid);
        pod.WaitForApp(Path.Combine(pod.Rootfs, "srv", "app", "started"));
        Assert.True(pod.LockHeld());
        Assert.Equal(0, pod.RunPlain("stop", Uuid).ExitCode);
        Assert.Equal(143, TestPod.Wait(p).ExitCode);
        Assert.False(pod.LockHeld());
    }

    [Fact]
    public void Detached_output_goes_to_the_log_file_and_attached_output_to_stdout()
    {
        using TestPod pod = NewPod();
        pod.Script("echo out-line; echo err-line >&2");
        pod.Write();
        Stage1Result detached = pod.Run("run", Uuid);
        Assert.True(detached.ExitCode == 0, detached.Stderr);
        Assert.DoesNotContain("out-line", detached.Stdout);
        Assert.Equal("out-line\nerr-line\n", File.ReadAllText(pod.LogFile));
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(Path.Combine(pod.Dir, "logs")));
        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(pod.LogFile));

        Stage1Result attached = pod.Run("run", "--attach", Uuid);
        Assert.True(attached.ExitCode == 0, attached.Stderr);
        Assert.Equal("out-line\n", attached.Stdout);
        Assert.Contains("err-line", attached.Stderr);
        Assert.Equal("out-line\nerr-line\n", File.ReadAllText(pod.LogFile)); // not appended to
    }

    [Fact]
    public void Symlinks_in_the_image_cannot_redirect_a_mount_to_the_host()
    {
        using TestPod pod = NewPod();
        string host = Directory.CreateTempSubdirectory("rktps-vol-").FullName;
        string escape = "/rktps-escape-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(Path.Combine(host, "v"), "volume\n");
            // /link -> /rktps-escape-...: followed on the host this would create and mount over a host directory.
            File.CreateSymbolicLink(Path.Combine(pod.Rootfs, "link"), escape);
            File.CreateSymbolicLink(Path.Combine(pod.Rootfs, "up"), "../../../../../../..");
            pod.Volumes.Add(new JsonObject { ["name"] = "a", ["kind"] = "host", ["source"] = host });
            pod.Volumes.Add(new JsonObject { ["name"] = "b", ["kind"] = "host", ["source"] = host });
            pod.Mounts.Add(new JsonObject { ["volume"] = "a", ["path"] = "/link/data" });
            pod.Mounts.Add(new JsonObject { ["volume"] = "b", ["path"] = "/up/tmp2" });
            pod.Script("cat /link/data/v > /srv/app/a; cat /tmp2/v > /srv/app/b");
            pod.Write();
            Stage1Result r = pod.Run("run", Uuid);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.False(Directory.Exists(escape));
            Assert.False(Directory.Exists("/tmp2"));
            Assert.True(Directory.Exists(Path.Combine(pod.Rootfs, escape.TrimStart('/'), "data")));
            Assert.True(Directory.Exists(Path.Combine(pod.Rootfs, "tmp2")));
            Assert.Equal("volume\n", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "a")));
            Assert.Equal("volume\n", File.ReadAllText(Path.Combine(pod.Rootfs, "srv", "app", "b")));
        }
        finally
        {
            Directory.Delete(host, true);
            if (Directory.Exists(escape)) Directory.Delete(escape, true);
        }
    }

    [Fact]
    public void Unknown_flags_are_ignored_with_a_warning_and_debug_prints_the_steps()
    {
        using TestPod pod = NewPod();
        pod.Script("exit 0", user: "alice", group: "staff");
        pod.Write();
        Stage1Result r = pod.Run("run", "--debug", "--net=default", "--local-config=/etc/rkt", "--hostname=h1", Uuid);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("stage1: ", l));
        Assert.Contains(lines, l => l == "stage1: warning: ignoring unsupported flag --local-config=/etc/rkt");
        Assert.Contains(lines, l => l.StartsWith("stage1: mount /dev -> " + pod.Rootfs + "/dev flags=MS_BIND|MS_REC", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("stage1: mount none -> " + pod.Rootfs + "/etc/resolv.conf flags=MS_RDONLY|MS_REMOUNT|MS_BIND", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == "stage1: chroot " + pod.Rootfs);
        Assert.Contains(lines, l => l.StartsWith("stage1: credentials uid=1000 gid=50 groups=50", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == "stage1: execve /bin/sh argv=[\"/bin/sh\", \"-c\", \"exit 0\"]");
    }
}
