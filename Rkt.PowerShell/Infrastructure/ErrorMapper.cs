// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Errors;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Tree;
using Rkt.Formats.Appc;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>The only place that turns engine exceptions into ErrorRecords (one translation at the API edge).</summary>
internal static class ErrorMapper
{
    /// <summary>
    /// True for the exceptions the engine raises on purpose; anything else propagates (a bug shows its stack).
    /// Besides RktException and NativeCallException: a tree rendering that refuses an archive entry
    /// (UnsafeArchiveException) and manifest validation of values the user typed (ManifestException), which reach
    /// the cmdlets unwrapped.
    /// </summary>
    public static bool IsKnown(Exception e) => e is RktException or NativeCallException or UnsafeArchiveException or ManifestException;

    public static ErrorRecord ToErrorRecord(Exception e, object? target = null)
    {
        switch (e)
        {
            case RktException r:
            {
                var rec = new ErrorRecord(r, r.ErrorId, Category(r.Kind), target ?? r.Target);
                if (r.RecommendedAction is { } fix) rec.ErrorDetails = new ErrorDetails(r.Message) { RecommendedAction = fix };
                return rec;
            }
            case NativeCallException n:
                return new ErrorRecord(n, "NativeCallFailed", n.Errno switch
                {
                    2 => ErrorCategory.ObjectNotFound,
                    1 or 13 => ErrorCategory.PermissionDenied,
                    16 => ErrorCategory.ResourceBusy,
                    28 or 30 => ErrorCategory.WriteError,
                    _ => ErrorCategory.NotSpecified,
                }, target ?? n.PathName);
            case UnsafeArchiveException u:
                return new ErrorRecord(u, u.ErrorId, ErrorCategory.InvalidData, target ?? u.EntryName);
            case ManifestException m:
                return new ErrorRecord(m, m.ErrorId, ErrorCategory.InvalidData, target ?? m.Field);
            default:
                return new ErrorRecord(e, "Unexpected", ErrorCategory.NotSpecified, target);
        }
    }

    public static ErrorCategory Category(RktErrorKind kind) => kind switch
    {
        RktErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        RktErrorKind.Ambiguous => ErrorCategory.InvalidArgument,
        RktErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        RktErrorKind.InvalidState => ErrorCategory.InvalidOperation,
        RktErrorKind.Busy => ErrorCategory.ResourceBusy,
        RktErrorKind.Corrupt => ErrorCategory.InvalidData,
        RktErrorKind.InvalidInput => ErrorCategory.InvalidData,
        RktErrorKind.Untrusted => ErrorCategory.SecurityError,
        RktErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        RktErrorKind.Unavailable => ErrorCategory.ResourceUnavailable,
        RktErrorKind.Stage1Failed => ErrorCategory.InvalidResult,
        _ => ErrorCategory.NotSpecified,
    };
}
