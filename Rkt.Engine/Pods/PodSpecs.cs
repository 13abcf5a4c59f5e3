// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Engine.Pods;

/// <summary>rkt's --insecure-options names, as flags. Each check is on unless its flag is set.</summary>
[Flags]
public enum RktInsecureOption
{
    None = 0,
    Image = 1, Tls = 2, OnDisk = 4, Http = 8, PubKey = 16, Capabilities = 32, Paths = 64, Seccomp = 128,
    AllFetch = Image | Tls | Http | PubKey,
    AllRun = Capabilities | Paths | Seccomp,
    All = AllFetch | AllRun | OnDisk,
}

/// <summary>A volume mounted at a path in an app (rkt's --mount volume=NAME,target=PATH).</summary>
public sealed record MountSpec(string Volume, string Path);

/// <summary>One app of a pod to prepare: an image plus per-app overrides.</summary>
public sealed record PodAppSpec
{
    /// <summary>Image reference: ID prefix, <c>name[:version][,k=v]</c>, or an .aci file path.</summary>
    public required string Image { get; init; }
    /// <summary>App name; default = last component of the image name.</summary>
    public string? Name { get; init; }
    /// <summary>Replaces the image's exec (rkt --exec + args).</summary>
    public IReadOnlyList<string>? Exec { get; init; }
    /// <summary>Added to / overriding the image's environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    public string? WorkingDirectory { get; init; }
    public string? User { get; init; }
    public string? Group { get; init; }
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];
}

/// <summary>What New-RktPod asks for (rkt prepare).</summary>
public sealed record PrepareOptions
{
    public required IReadOnlyList<PodAppSpec> Apps { get; init; }
    public IReadOnlyList<Volume> Volumes { get; init; } = [];
    /// <summary>Mounts applied to every app (rkt --mount before any image).</summary>
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];
    /// <summary>Stage1 image: ID, name or .aci path; default the module's stage1-fly.</summary>
    public string? Stage1 { get; init; }
    public bool NoOverlay { get; init; }
    /// <summary>Optional unique pod name, usable wherever a UUID is.</summary>
    public string? Name { get; init; }
    public RktInsecureOption InsecureOptions { get; init; }
}

/// <summary>What Start-RktPod asks for (rkt run-prepared).</summary>
public sealed record StartOptions
{
    /// <summary>Keep the terminal: the app inherits stdio and receives Ctrl+C.</summary>
    public bool Attach { get; init; }
    /// <summary>Pass --debug to stage1 and surface its step lines as verbose output.</summary>
    public bool Debug { get; init; }
    public string? Hostname { get; init; }
    public string Net { get; init; } = "default";
}

/// <summary>What Invoke-RktGarbageCollection asks for (rkt gc).</summary>
public sealed record GcOptions
{
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan ExpirePrepared { get; init; } = TimeSpan.FromHours(24);
    public bool MarkOnly { get; init; }
}
