// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Formats.Tests.Appc;

/// <summary>The example manifests Debian's appc-spec package ships parse, and survive a normalizing round trip.</summary>
public sealed class ExampleManifestTests
{
    private const string SystemExamples = "/usr/share/doc/appc-spec/examples";

    private static string CopiedExamples => Path.Combine(AppContext.BaseDirectory, "testdata", "appc-examples");

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (string f in new[] { "image.json", "pod_runtime.json", "pod_template.json" })
        {
            data.Add(Path.Combine("testdata", "appc-examples", f));
            if (File.Exists(Path.Combine(SystemExamples, f))) data.Add(Path.Combine(SystemExamples, f));
        }
        return data;
    }

    private static byte[] Read(string path) =>
        File.ReadAllBytes(Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path));

    [Fact]
    public void The_copies_match_the_system_examples_when_installed()
    {
        Assert.True(Directory.Exists(CopiedExamples), CopiedExamples);
        if (!Directory.Exists(SystemExamples)) return;
        string[] system = Directory.GetFiles(SystemExamples, "*.json").Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(["image.json", "pod_runtime.json", "pod_template.json"], system);
        foreach (string f in system)
            Assert.Equal(File.ReadAllBytes(Path.Combine(SystemExamples, f)), File.ReadAllBytes(Path.Combine(CopiedExamples, f)));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_parses_and_round_trips_byte_identically(string path)
    {
        byte[] original = Read(path);
        if (Path.GetFileName(path) == "image.json")
        {
            ImageManifest m1 = ImageManifest.Parse(original);
            byte[] j1 = m1.ToJson();
            ImageManifest m2 = ImageManifest.Parse(j1);
            Assert.Equal(j1, m2.ToJson());
            Assert.Equal(m1.ToJson(indented: true), m2.ToJson(indented: true));
            AssertImageExample(m2);
        }
        else
        {
            PodManifest p1 = PodManifest.Parse(original);
            byte[] j1 = p1.ToJson();
            PodManifest p2 = PodManifest.Parse(j1);
            Assert.Equal(j1, p2.ToJson());
            if (path.EndsWith("pod_runtime.json", StringComparison.Ordinal)) AssertPodRuntimeExample(p2);
            else AssertPodTemplateExample(p2);
        }
    }

    /// <summary>Every field of image.json, checked against the file's content.</summary>
    private static void AssertImageExample(ImageManifest m)
    {
        Assert.Equal(new SemVer(0, 8, 11, "", ""), m.AcVersion);
        Assert.Equal("example.com/reduce-worker", m.Name.Value);
        Assert.Equal([("version", "1.0.0"), ("arch", "amd64"), ("os", "linux")], m.Labels.Select(l => (l.Name.Value, l.Value)));
        Assert.Equal("1.0.0", m.Version);
        Assert.Equal("example.com/reduce-worker:1.0.0", m.DisplayName);

        App app = Assert.IsType<App>(m.App);
        Assert.Equal(["/usr/bin/reduce-worker", "--quiet"], app.Exec);
        Assert.Equal("100", app.User);
        Assert.Equal("300", app.Group);
        Assert.Equal("", app.WorkingDirectory);
        Assert.Empty(app.SupplementaryGids);
        Assert.Equal(2, app.EventHandlers.Count);
        Assert.Equal("pre-start", app.EventHandlers[0].Name);
        Assert.Equal(["/usr/bin/data-downloader"], app.EventHandlers[0].Exec);
        Assert.Equal("post-stop", app.EventHandlers[1].Name);
        Assert.Equal(["/usr/bin/deregister-worker", "--verbose"], app.EventHandlers[1].Exec);
        Assert.Equal([new EnvironmentVariable("REDUCE_WORKER_DEBUG", "true")], app.Environment);

        Assert.Equal(["resource/cpu", "resource/memory", "os/linux/capabilities-retain-set", "os/linux/no-new-privileges", "os/linux/seccomp-remove-set"],
            app.Isolators.Select(i => i.Name.Value));
        Assert.Equal(0.02m, app.Isolators[0].Limit?.Value);
        Assert.Null(app.Isolators[0].Request);
        Assert.Equal(1e9m, app.Isolators[1].Limit?.Value);
        Assert.Equal(["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"], app.Isolators[2].Set);
        Assert.True(app.Isolators[3].BoolValue);
        Assert.Equal(["clock_settime", "clock_adjtime", "reboot"], app.Isolators[4].Set);
        Assert.Equal("""{"errno":"EACCESS","set":["clock_settime","clock_adjtime","reboot"]}""", app.Isolators[4].RawValue);

        Assert.Equal([new MountPoint(AcName.Parse("database"), "/var/lib/db", false)], app.MountPoints);
        Assert.Equal([new Port(AcName.Parse("health"), "tcp", 4000, 1, true)], app.Ports);
        Assert.Empty(app.UserAnnotations);
        Assert.Empty(app.UserLabels);

        Dependency d = Assert.Single(m.Dependencies);
        Assert.Equal("example.com/reduce-worker-base", d.ImageName.Value);
        Assert.Equal("sha512-...", d.ImageId?.Value);
        Assert.Equal([("os", "linux"), ("env", "canary")], d.Labels.Select(l => (l.Name.Value, l.Value)));
        Assert.Null(d.Size);

        Assert.Equal(["/etc/ca/example.com/crt", "/usr/bin/map-reduce-worker", "/opt/libs/reduce-toolkit.so", "/etc/reduce-worker.conf", "/etc/systemd/system/"],
            m.PathWhitelist);
        Assert.Equal(["authors", "created", "documentation", "homepage", "appc.io/executor/supports-systemd-notify"],
            m.Annotations.Select(a => a.Name.Value));
        Assert.Equal("Carly Container <carly@example.com>, Nat Network <[nat@example.com](mailto:nat@example.com)>", m.Annotations["authors"]);
        Assert.Equal("2014-10-27T19:32:27.67021798Z", m.Annotations["created"]);
        Assert.Equal("false", m.Annotations["appc.io/executor/supports-systemd-notify"]);
    }

    private static void AssertPodRuntimeExample(PodManifest p)
    {
        Assert.Equal("0.8.11", p.AcVersion.ToString());
        Assert.Equal(["reduce-worker", "backup", "register"], p.Apps.Select(a => a.Name.Value));

        RuntimeApp worker = p.Apps[0];
        Assert.Equal("example.com/reduce-worker", worker.Image.Name?.Value);
        Assert.Equal("sha512-8d3fffddf79e9a232ffd19f9ccaa4d6b37a6a243dbe0f23137b108a043d9da13121a9b505c804956b22e93c7f93969f4a7ba8ddea45bf4aab0bebc8f814e0990",
            worker.Image.Id?.Value);
        Assert.True(worker.Image.Id!.Value.TryGetImageId(out ImageId wid));
        Assert.Equal("sha512-8d3fffddf79e9a232ffd19f9ccaa4d6b37a6a243dbe0f23137b108a043d9da13", wid.Value);
        Assert.Empty(worker.Image.Labels);
        App app = Assert.IsType<App>(worker.App);
        Assert.Equal(["/usr/bin/reduce-worker", "--debug=true", "--data-dir=/mnt/foo"], app.Exec);
        Assert.Equal(("0", "0"), (app.User, app.Group));
        Assert.Equal([new MountPoint(AcName.Parse("database"), "/var/lib/db", false)], app.MountPoints);
        Assert.Equal(1e9m, Assert.Single(app.Isolators).Limit?.Value);
        Assert.False(worker.ReadOnlyRootFS);
        Assert.Equal([("dbvolume", "/var/lib/db")], worker.Mounts.Select(m => (m.Volume.Value, m.Path)));
        Assert.Empty(worker.Annotations);

        RuntimeApp backup = p.Apps[1];
        Assert.Null(backup.App);
        Assert.Equal("latest", backup.Image.Labels["version"]);
        Assert.Equal([("dbvolume", "/mnt/db"), ("buildoutput", "/mnt/out")], backup.Mounts.Select(m => (m.Volume.Value, m.Path)));
        Assert.Equal("baz", backup.Annotations["foo"]);

        RuntimeApp register = p.Apps[2];
        Assert.Equal("3.0.0", register.Image.Labels["version"]);
        Assert.Empty(register.Mounts);

        Assert.Equal(2, p.Volumes.Count);
        Assert.Equal(new Volume(AcName.Parse("dbvolume"), VolumeKind.Host, "/opt/tenant1/database", ReadOnly: true), p.Volumes[0]);
        Assert.Equal(new Volume(AcName.Parse("buildoutput"), VolumeKind.Empty, Mode: "0777", Uid: 0, Gid: 0), p.Volumes[1]);

        Assert.Equal(["resource/memory", "os/unix/sysctl"], p.Isolators.Select(i => i.Name.Value));
        Assert.Equal(4e9m, p.Isolators[0].Limit?.Value);
        Assert.Equal("""{"net.ipv4.tcp_fin_timeout":"6"}""", p.Isolators[1].RawValue); // unknown isolator kept verbatim
        Assert.Equal("10.1.2.3", p.Annotations["ip-address"]);
        Assert.Empty(p.Ports);
        Assert.Empty(p.UserAnnotations);
        Assert.Empty(p.UserLabels);
    }

    private static void AssertPodTemplateExample(PodManifest p)
    {
        Assert.Equal("0.3.0", p.AcVersion.ToString());
        Assert.Equal(["reduce-worker", "backup", "register"], p.Apps.Select(a => a.Name.Value));
        Assert.NotNull(p.Apps[0].Image.Id);
        Assert.Null(p.Apps[1].Image.Id);          // a template may leave the ID out
        Assert.Equal("latest", p.Apps[1].Image.Labels["version"]);
        Assert.Equal("example.com/reduce-worker-register", p.Apps[2].Image.Name?.Value);
        Assert.All(p.Apps, a => Assert.Null(a.App));
        Assert.Empty(p.Volumes);
        Assert.Equal(4e9m, Assert.Single(p.Isolators).Limit?.Value);
    }

    [Fact]
    public void Our_valid_image_manifest_round_trips_every_field()
    {
        ImageManifest m1 = ImageManifest.Parse(Support.Manifests.ValidImage);
        ImageManifest m2 = ImageManifest.Parse(m1.ToJson());
        Assert.Equal(m1.ToJson(), m2.ToJson());
        Assert.True(m1.App!.SameAs(m2.App));
        App a = m2.App!;
        Assert.Equal([10, 20], a.SupplementaryGids);
        Assert.Equal("/srv", a.WorkingDirectory);
        Assert.Equal(new Port(AcName.Parse("dns"), "udp", 53, 2, false), a.Ports[1]);
        Assert.True(a.MountPoints[0].ReadOnly);
        Assert.Equal(0.25m, a.Isolators[0].Request?.Value);
        Assert.Equal(100, a.Isolators[5].IntValue);
        Assert.Equal(1024, a.Isolators[6].IntValue);
        Assert.Equal("v", a.UserAnnotations["k"]);
        Assert.Equal("web", a.UserLabels["tier"]);
        Assert.Equal(42, m2.Dependencies[0].Size);
        Assert.Equal("someone", m2.Annotations["authors"]);
    }

    [Fact]
    public void Our_valid_pod_manifest_round_trips_every_field()
    {
        PodManifest p1 = PodManifest.Parse(Support.Manifests.ValidPod);
        PodManifest p2 = PodManifest.Parse(p1.ToJson());
        Assert.Equal(p1.ToJson(), p2.ToJson());
        Assert.True(p2.Apps[0].ReadOnlyRootFS);
        Assert.Null(p2.Apps[1].Image.Name);
        Assert.Equal(new Volume(AcName.Parse("data"), VolumeKind.Host, "/srv/data", true, false), p2.Volumes[0]);
        Assert.Equal(new Volume(AcName.Parse("scratch"), VolumeKind.Empty, Mode: "0750", Uid: 1, Gid: 2), p2.Volumes[1]);
        Assert.Equal(new ExposedPort(AcName.Parse("http"), 8080, "127.0.0.1"), Assert.Single(p2.Ports));
        Assert.Equal("y", p2.UserAnnotations["x"]);
        Assert.Equal("w", p2.UserLabels["z"]);
    }

    [Fact]
    public void Indented_and_compact_output_parse_to_the_same_manifest()
    {
        ImageManifest m = ImageManifest.Parse(Support.Manifests.ValidImage);
        Assert.Equal(m.ToJson(), ImageManifest.Parse(m.ToString()).ToJson());
        Assert.Contains('\n', m.ToString());
        Assert.DoesNotContain((byte)'\n', m.ToJson());
    }
}
