// SPDX-License-Identifier: MIT
namespace Rkt.Engine;

/// <summary>A step of a long operation, reported through <see cref="IProgress{T}"/>; the host formats it.</summary>
/// <param name="Operation">e.g. <c>Import image</c>.</param>
/// <param name="Item">What it is about (a path, an image name).</param>
/// <param name="Phase">e.g. <c>Decompressing and hashing</c>.</param>
/// <param name="Completed">Units done (bytes or files).</param>
/// <param name="Total">Units in all, when known.</param>
/// <param name="IsFinished">True for the last record of this item.</param>
public sealed record RktProgress(string Operation, string Item, string Phase, long Completed, long? Total, bool IsFinished = false);

/// <summary>Verbose, debug and warning lines from the engine; the host decides where they go.</summary>
public interface IRktLog
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
}

/// <summary>A log that drops everything.</summary>
public sealed class NullRktLog : IRktLog
{
    public static readonly NullRktLog Instance = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { }
}

/// <summary>What every long engine call takes: cancellation, progress and a log.</summary>
public sealed record OperationContext(CancellationToken CancellationToken, IProgress<RktProgress>? Progress = null, IRktLog? Log = null)
{
    /// <summary>No cancellation, no progress, no log.</summary>
    public static readonly OperationContext None = new(CancellationToken.None);

    /// <summary>The log, never null.</summary>
    public IRktLog Logger => Log ?? NullRktLog.Instance;
}
