// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>Setup failures: exit 254, one <c>stage1: what: why</c> line naming the culprit, no status file.</summary>
[Collection(Stage1Collection.Name)]
[Trait("Category", "Privileged")]
public sealed class FlyErrorTests(Stage1Binary binary)
{
    private const string Uuid = "6f1b2a60-0000-4000-8000-000000000002";

    private Stage1Result RunBroken(Action<TestPod> arrange, out TestPod pod)
    {
        Privileged.Require();
        pod = new TestPod(binary);
        arrange(pod);
        pod.Write();
        return pod.Run("run", Uuid);
    }

    private static void AssertSetupError(TestPod pod, Stage1Result r, string expectedLine)
    {
        Assert.Equal(254, r.ExitCode);
        Assert.Contains(expectedLine, r.Stderr.Split('\n'));
        Assert.Null(pod.Status);
        Assert.Empty(TestPod.HostMountsUnder(pod.Dir));
    }

    [Fact]
    public void Missing_exec_binary_is_named()
    {
        Stage1Result r = RunBroken(p => p.PodApp = new JsonObject { ["exec"] = new JsonArray("/usr/bin/nosuch"), ["user"] = "0", ["group"] = "0" }, out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: exec /usr/bin/nosuch: no such file in the app rootfs");
    }

    [Fact]
    public void Unknown_user_is_named()
    {
        Stage1Result r = RunBroken(p => p.Script("true", user: "mallory"), out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: user mallory: not found in the image's /etc/passwd");
    }

    [Fact]
    public void Unknown_group_is_named()
    {
        Stage1Result r = RunBroken(p => p.Script("true", group: "nogroup"), out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: group nogroup: not found in the image's /etc/group");
    }

    [Fact]
    public void Missing_host_volume_source_is_named()
    {
        Stage1Result r = RunBroken(p =>
        {
            p.Volumes.Add(new JsonObject { ["name"] = "data", ["kind"] = "host", ["source"] = "/nonexistent/rktps-source" });
            p.Mounts.Add(new JsonObject { ["volume"] = "data", ["path"] = "/data" });
        }, out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: volume data: host source /nonexistent/rktps-source does not exist");
    }

    [Fact]
    public void Mount_point_without_a_volume_is_named()
    {
        Stage1Result r = RunBroken(p =>
            p.ImageApp["mountPoints"] = new JsonArray(new JsonObject { ["name"] = "cache", ["path"] = "/var/cache" }), out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: mount point cache: no volume named cache for /var/cache (fly creates no implicit volumes)");
    }

    [Fact]
    public void Missing_working_directory_is_named()
    {
        Stage1Result r = RunBroken(p => p.Script("true", workingDirectory: "/no/such/dir"), out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: working directory /no/such/dir: does not exist in the app rootfs");
    }

    [Fact]
    public void A_failing_second_app_is_named_in_the_error()
    {
        Stage1Result r = RunBroken(p => p.AddApp("second").Script("true", workingDirectory: "/no/such/dir"), out TestPod pod);
        using (pod) AssertSetupError(pod, r, "stage1: app second: working directory /no/such/dir: does not exist in the app rootfs");
    }

    [Fact]
    public void Run_without_the_lock_fd_is_refused()
    {
        Privileged.Require();
        using var pod = new TestPod(binary);
        pod.Write();
        Stage1Result r = pod.RunPlain("run", Uuid);
        Assert.Equal(254, r.ExitCode);
        Assert.Contains("stage1: RKT_LOCK_FD: not set", r.Stderr);
        Assert.Null(pod.Status);
    }

    [Fact]
    public void Invalid_pod_manifest_names_the_field()
    {
        Stage1Result r = RunBroken(p => p.Script("true", user: ""), out TestPod pod);
        using (pod)
        {
            Assert.Equal(254, r.ExitCode);
            Assert.Contains("stage1: pod manifest: apps[0].app.user", r.Stderr);
            Assert.Null(pod.Status);
        }
    }
}
