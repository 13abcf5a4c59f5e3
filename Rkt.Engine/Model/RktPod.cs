// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Model;

/// <summary>rkt's pod states: the directory a pod sits in, plus whether its directory is locked.</summary>
public enum RktPodState
{
    Embryo, Preparing, AbortedPrepare, Prepared, Running, Deleting, ExitedDeleting, Exited, ExitedGarbage, Garbage,
}

/// <summary>One app of a pod, with its exit code once it has one.</summary>
public sealed class RktPodApp
{
    public required string Name { get; init; }
    public required string ImageName { get; init; }
    public required string ImageId { get; init; }
    /// <summary><c>created</c>, <c>running</c>, <c>exited</c> (as rkt status --format json).</summary>
    public required string State { get; init; }
    public int? ExitCode { get; init; }

    /// <inheritdoc />
    public override string ToString() => ExitCode is { } c ? $"{Name}({c})" : Name;
}

/// <summary>A pod as Get-RktPod returns it (rkt list / status).</summary>
public sealed class RktPod
{
    public required Guid Id { get; init; }
    /// <summary>First 8 characters of the UUID (what tables show; -Id accepts it back).</summary>
    public string ShortId => Id.ToString()[..8];
    /// <summary>The optional unique name given at New-RktPod -Name.</summary>
    public string? Name { get; init; }
    public required RktPodState State { get; init; }
    public required IReadOnlyList<RktPodApp> Apps { get; init; }
    public DateTime? Created { get; init; }
    public DateTime? Started { get; init; }
    public DateTime? Finished { get; init; }
    /// <summary>The app's (fly) or init's pid while running.</summary>
    public int? Pid { get; init; }
    public string? Stage1ImageId { get; init; }
    /// <summary>Exit code of the pod: the first non-zero app exit code, else 0, once exited.</summary>
    public int? ExitCode { get; init; }
    /// <summary>The pod directory.</summary>
    public required string Path { get; init; }
    public string? DataDirectory { get; init; }
    /// <summary>True when the pod was prepared with overlay mounts.</summary>
    public bool Overlay { get; init; }

    /// <summary>Image names of the apps, comma-joined.</summary>
    public string ImageName => string.Join(",", Apps.Select(a => a.ImageName));

    /// <inheritdoc />
    public override string ToString() => $"pod {ShortId} ({string.Join(", ", Apps.Select(a => a.Name))})";
}
