// SPDX-License-Identifier: MIT
namespace Rkt.Stage1;

/// <summary>
/// stage1's stderr voice. With <c>--debug</c> every step is one line prefixed <c>stage1:</c>; the engine turns those
/// lines into the cmdlet's -Verbose stream, so each names exactly what is done (paths, flags, ids).
/// </summary>
internal static class Log
{
    /// <summary>Whether <c>--debug</c> was given.</summary>
    public static bool DebugEnabled { get; set; }

    /// <summary>One debug step (only with --debug).</summary>
    public static void Step(string line)
    {
        if (DebugEnabled) Write("stage1: " + line);
    }

    /// <summary>A warning, always shown.</summary>
    public static void Warn(string line) => Write("stage1: warning: " + line);

    /// <summary>An error line, always shown.</summary>
    public static void Error(string line) => Write(line.StartsWith("stage1:", StringComparison.Ordinal) ? line : "stage1: " + line);

    private static void Write(string line)
    {
        // One write(2) per line so lines from the supervisor and the app-init child never interleave mid-line.
        byte[] b = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        try { Rkt.Engine.Native.Linux.ProcessCalls.WriteAll(2, b); }
        catch (Rkt.Engine.Native.NativeCallException) { /* stderr closed: nothing left to tell */ }
    }
}
