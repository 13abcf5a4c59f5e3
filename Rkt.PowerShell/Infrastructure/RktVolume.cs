// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>
/// A pod volume as a settable option class, so hashtables bind:
/// <c>-Volume @{Name='data'; Kind='host'; Source='/srv'; ReadOnly=$true}</c>.
/// </summary>
public sealed class RktVolume
{
    public string Name { get; set; } = "";
    /// <summary><c>host</c> or <c>empty</c>.</summary>
    public string Kind { get; set; } = "empty";
    public string? Source { get; set; }
    public bool? ReadOnly { get; set; }
    public bool? Recursive { get; set; }
    /// <summary>Octal mode of an empty volume, e.g. <c>0755</c>.</summary>
    public string? Mode { get; set; }
    public int? Uid { get; set; }
    public int? Gid { get; set; }
    /// <summary>Where to mount it in every app; shorthand for a matching -Mount.</summary>
    public string? Path { get; set; }

    internal Volume ToVolume(int index) => new Volume(AcName.Parse(Name, $"volumes[{index}].name"),
        Kind.ToLowerInvariant() switch
        {
            "host" => VolumeKind.Host,
            "empty" => VolumeKind.Empty,
            _ => throw new ManifestException($"volumes[{index}].kind", $"\"{Kind}\" is not a volume kind (host, empty)"),
        }, Source, ReadOnly, Recursive, Mode, Uid, Gid).Validate($"volumes[{index}]");
}

/// <summary>A mount of a volume at a path, for -Mount @{Volume='data'; Path='/data'}.</summary>
public sealed class RktMount
{
    public string Volume { get; set; } = "";
    public string Path { get; set; } = "";
}
