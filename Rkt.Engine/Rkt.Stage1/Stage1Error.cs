// SPDX-License-Identifier: MIT
namespace Rkt.Stage1;

/// <summary>
/// A setup failure that ends stage1 with exit status 254 and the one-line message <c>stage1: &lt;what&gt;: &lt;reason&gt;</c>.
/// </summary>
internal sealed class Stage1Error : Exception
{
    /// <summary>The exit status of every stage1 setup failure (rkt's convention).</summary>
    public const int ExitCode = 254;

    public Stage1Error(string what, string reason) : base($"{what}: {reason}")
    {
        What = what;
        Reason = reason;
    }

    /// <summary>What failed, e.g. <c>volume data</c>.</summary>
    public string What { get; }

    /// <summary>Why, e.g. <c>host source /srv/data does not exist</c>.</summary>
    public string Reason { get; }

    /// <summary>The stderr line for this error.</summary>
    public string Line => $"stage1: {What}: {Reason}";

    /// <summary>Wraps a failed libc call or I/O error with what stage1 was doing.</summary>
    public static Stage1Error From(string what, Exception e) => new(what, e.Message);
}
