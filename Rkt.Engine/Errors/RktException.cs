// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Errors;

/// <summary>The closed set of failure classes (containerd's error classes); the PowerShell layer maps each to an ErrorCategory.</summary>
public enum RktErrorKind
{
    NotFound, Ambiguous, AlreadyExists, InvalidState, Busy, Corrupt, InvalidInput, Untrusted, PermissionDenied,
    Unavailable, Stage1Failed, Internal,
}

/// <summary>
/// Every failure the engine reports on purpose. <see cref="ErrorId"/> is short and stable (it becomes the
/// first part of the PowerShell FullyQualifiedErrorId); the message names the object and the next step.
/// </summary>
public sealed class RktException : Exception
{
    public RktException(RktErrorKind kind, string errorId, string message, object? target = null, Exception? inner = null, string? recommendedAction = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    /// <summary>Failure class.</summary>
    public RktErrorKind Kind { get; }

    /// <summary>Stable id, e.g. <c>ImageNotFound</c>.</summary>
    public string ErrorId { get; }

    /// <summary>The object the error is about (an id, a path).</summary>
    public object? Target { get; }

    /// <summary>The obvious fix, when there is one.</summary>
    public string? RecommendedAction { get; }
}
