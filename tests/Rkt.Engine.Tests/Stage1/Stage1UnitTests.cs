// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;
using Rkt.Stage1;
using Rkt.Stage1.Cli;
using Rkt.Stage1.Fly;
using Rkt.Stage1.Rootfs;

namespace Rkt.Engine.Tests.Stage1;

/// <summary>stage1's pure parts, without starting processes: path resolution, exec lookup, passwd, arguments.</summary>
public sealed class Stage1UnitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rktps-rootfs-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private void Mkdir(string p) => Directory.CreateDirectory(Path.Combine(_root, p.TrimStart('/')));
    private void Link(string at, string target) => File.CreateSymbolicLink(Path.Combine(_root, at.TrimStart('/')), target);
    private void Exe(string p, bool executable = true)
    {
        string f = Path.Combine(_root, p.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(f)!);
        File.WriteAllText(f, "#!/bin/sh\n");
        File.SetUnixFileMode(f, executable ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
    }

    [Fact]
    public void Absolute_symlinks_resolve_inside_the_rootfs()
    {
        Mkdir("/usr/lib");
        Link("/lib", "/usr/lib");
        Link("/escape", "/etc");
        Assert.Equal("/usr/lib/x", RootfsPath.ResolveInside(_root, "/lib/x"));
        Assert.Equal(_root + "/etc/passwd", RootfsPath.Resolve(_root, "/escape/passwd"));
    }

    [Fact]
    public void Dot_dot_and_relative_symlinks_never_climb_above_the_rootfs()
    {
        Mkdir("/a/b");
        Link("/a/b/up", "../../../../../..");
        Assert.Equal("/", RootfsPath.ResolveInside(_root, "/../../.."));
        Assert.Equal("/etc", RootfsPath.ResolveInside(_root, "/a/b/up/etc"));
        Assert.Equal("/a/x", RootfsPath.ResolveInside(_root, "/a/b/../x"));
    }

    [Fact]
    public void Symlink_loops_are_an_error()
    {
        Link("/loop1", "/loop2");
        Link("/loop2", "/loop1");
        var e = Assert.Throws<Stage1Error>(() => RootfsPath.ResolveInside(_root, "/loop1/x"));
        Assert.Contains("too many levels of symbolic links", e.Message);
    }

    [Fact]
    public void Exec_lookup_absolute_relative_to_workdir_and_in_path()
    {
        Exe("/usr/bin/tool");
        Exe("/srv/bin/run.sh");
        Exe("/opt/noexec", executable: false);
        Mkdir("/bin");
        Link("/bin/tool2", "/usr/bin/tool");
        Assert.Equal("/usr/bin/tool", ExecResolver.Resolve(_root, "/usr/bin/tool", "/", AppEnvironment.DefaultPath));
        Assert.Equal("/srv/bin/run.sh", ExecResolver.Resolve(_root, "bin/run.sh", "/srv", AppEnvironment.DefaultPath));
        Assert.Equal("/usr/bin/tool", ExecResolver.Resolve(_root, "tool", "/", AppEnvironment.DefaultPath));
        Assert.Equal("/bin/tool2", ExecResolver.Resolve(_root, "tool2", "/", "/bin"));
        Assert.Contains("not found in PATH", Assert.Throws<Stage1Error>(() => ExecResolver.Resolve(_root, "tool", "/", "/sbin")).Message);
        Assert.Contains("not executable", Assert.Throws<Stage1Error>(() => ExecResolver.Resolve(_root, "/opt/noexec", "/", "/bin")).Message);
        Assert.Contains("no such file", Assert.Throws<Stage1Error>(() => ExecResolver.Resolve(_root, "/usr/bin/none", "/", "/bin")).Message);
    }

    [Fact]
    public void Exec_lookup_does_not_find_host_binaries_through_absolute_symlinks()
    {
        Mkdir("/bin");
        Link("/bin/sh", "/bin/busybox"); // exists on the host, not in this rootfs
        Assert.Throws<Stage1Error>(() => ExecResolver.Resolve(_root, "/bin/sh", "/", "/bin"));
    }

    [Fact]
    public void Passwd_and_group_lookup_numeric_and_path_forms()
    {
        Mkdir("/etc");
        File.WriteAllText(Path.Combine(_root, "etc", "passwd"), "# comment\nroot:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n");
        File.WriteAllText(Path.Combine(_root, "etc", "group"), "root:x:0:\nweb:x:33:\nlog:x:4:web\n");
        Mkdir("/var/www");
        Rkt.Engine.Native.Linux.LinuxSyscalls.Instance.Lchown(Path.Combine(_root, "var", "www"), 33, 4);

        Credentials c = CredentialResolver.Resolve(_root, "web", "log", [33, 4, 7]);
        Assert.Equal((33u, 4u), (c.Uid, c.Gid));
        Assert.Equal([4u, 33u, 7u], c.Groups);
        Assert.Equal(("web", "/var/www"), (c.UserName, c.Home));

        Credentials n = CredentialResolver.Resolve(_root, "4242", "0", []);
        Assert.Equal((4242u, 0u), (n.Uid, n.Gid));
        Assert.Null(n.UserName);

        Credentials p = CredentialResolver.Resolve(_root, "/var/www", "/var/www", []);
        Assert.Equal((33u, 4u), (p.Uid, p.Gid));

        Assert.Equal("user nobody: not found in the image's /etc/passwd",
            Assert.Throws<Stage1Error>(() => CredentialResolver.Resolve(_root, "nobody", "0", [])).Message);
    }

    [Fact]
    public void Missing_passwd_file_is_named_when_a_name_must_be_looked_up()
    {
        var e = Assert.Throws<Stage1Error>(() => CredentialResolver.Resolve(_root, "web", "0", []));
        Assert.Equal("user web: cannot read the image's /etc/passwd: no such file", e.Message);
        Assert.Equal(0u, CredentialResolver.Resolve(_root, "0", "0", []).Uid); // numeric ids need no passwd
    }

    [Fact]
    public void Run_arguments_unknown_flags_interactive_and_uuid()
    {
        RunOptions o = RunOptions.Parse(["--debug", "--net=host", "--mds-token=abc", "--interactive", "--hostname=h", "uuid-1"], warn: false);
        Assert.True(o.Debug);
        Assert.True(o.Attach); // --interactive implies --attach
        Assert.Equal("host", o.Net);
        Assert.Equal("h", o.Hostname);
        Assert.Equal("uuid-1", o.Uuid);
        Assert.Equal(["--mds-token=abc"], o.Ignored);
        Assert.Contains("missing pod UUID", Assert.Throws<Stage1Error>(() => RunOptions.Parse(["--debug"], false)).Message);
        Assert.Contains("expected one pod UUID", Assert.Throws<Stage1Error>(() => RunOptions.Parse(["a", "b"], false)).Message);
    }

    [Fact]
    public void Mountinfo_escapes_and_flag_names()
    {
        Assert.Equal("/mnt/my dir\\x", MountInfo.Unescape("/mnt/my\\040dir\\134x"));
        Assert.Equal(MountFlags.NoSuid | MountFlags.NoDev | MountFlags.RelAtime, MountInfo.PerMountFlags("rw,nosuid,nodev,relatime"));
        Assert.Equal("MS_RDONLY|MS_REMOUNT|MS_BIND", AppMounts.FormatFlags(MountFlags.Bind | MountFlags.Remount | MountFlags.ReadOnly));
    }

    [Fact]
    public void Env_file_round_trips_and_rejects_newlines()
    {
        var app = new Rkt.Formats.Appc.App
        {
            Exec = ["/bin/true"],
            Environment = [new("A", "1"), new("PATH", "/x")],
        };
        var env = AppEnvironment.Build(app, "web", new Credentials(0, 0, [0], null, null));
        Assert.Equal(["A=1", "PATH=/x", "SHELL=/bin/sh", "USER=root", "LOGNAME=root", "HOME=/root", "AC_APP_NAME=web", "container=rkt"],
            AppEnvironment.ParseFile(AppEnvironment.ToFileText(env)));
        var bad = app with { Environment = [new("B", "two\nlines")] };
        Assert.Throws<Stage1Error>(() => AppEnvironment.Build(bad, "web", new Credentials(0, 0, [0], null, null)));
    }
}
