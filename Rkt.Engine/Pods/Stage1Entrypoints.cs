// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Formats.Appc;

namespace Rkt.Engine.Pods;

/// <summary>
/// The stage1 ABI as the stage1 image's manifest annotations declare it (rkt's
/// <c>coreos.com/rkt/stage1/*</c> names): entrypoint paths relative to the stage1 rootfs and the interface version.
/// </summary>
public sealed record Stage1Entrypoints(string Run, string? Enter, string? Gc, string? Stop, int InterfaceVersion)
{
    public const string RunAnnotation = "coreos.com/rkt/stage1/run";
    public const string EnterAnnotation = "coreos.com/rkt/stage1/enter";
    public const string GcAnnotation = "coreos.com/rkt/stage1/gc";
    public const string StopAnnotation = "coreos.com/rkt/stage1/stop";
    public const string InterfaceVersionAnnotation = "coreos.com/rkt/stage1/interface-version";

    /// <summary>Reads the entrypoints; an image without a run entrypoint is not a stage1.</summary>
    public static Stage1Entrypoints From(ImageManifest m)
    {
        string run = m.Annotations[RunAnnotation] ?? throw new RktException(RktErrorKind.InvalidInput, "NotAStage1",
            $"{m.DisplayName} is not a stage1 image: its manifest has no {RunAnnotation} annotation", m.Name.Value);
        int version = int.TryParse(m.Annotations[InterfaceVersionAnnotation], out int v) ? v : 1;
        return new Stage1Entrypoints(run, m.Annotations[EnterAnnotation], m.Annotations[GcAnnotation], m.Annotations[StopAnnotation], version);
    }

    /// <summary>Absolute path of an entrypoint for a pod directory.</summary>
    public static string Resolve(string podPath, string entry) => Path.Combine(podPath, "stage1", "rootfs", entry.TrimStart('/'));
}
