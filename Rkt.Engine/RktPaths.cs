// SPDX-License-Identifier: MIT
namespace Rkt.Engine;

/// <summary>Where a data directory keeps its parts (rkt's layout under $DATA).</summary>
public sealed record RktPaths(string DataDirectory)
{
    /// <summary>rkt's default data directory.</summary>
    public const string DefaultDataDirectory = "/var/lib/rkt";

    public string Cas => Path.Combine(DataDirectory, "cas");
    public string Pods => Path.Combine(DataDirectory, "pods");
    public string Locks => Path.Combine(DataDirectory, "locks");

    /// <summary>Shared while pods are prepared (render → pod written), exclusive while trees are collected.</summary>
    public string PrepareLock => Path.Combine(Locks, "prepareLock");
}
