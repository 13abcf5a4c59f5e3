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

    /// <summary>
    /// <c>RKTPS_STAGE1_TIMESTAMPS=1</c>: every debug step starts with <c>[CLOCK_MONOTONIC ms] pid</c>, comparable across
    /// the supervisor, the app-inits and the engine (Stopwatch is CLOCK_MONOTONIC on Linux). For profiling pod start.
    /// </summary>
    private static readonly bool Timestamps = Environment.GetEnvironmentVariable("RKTPS_STAGE1_TIMESTAMPS") == "1";

    private static long s_mainEntered;

    /// <summary>Called first thing in Main: with timestamps on, the first step line is preceded by this moment.</summary>
    public static void MainEntered() => s_mainEntered = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>One debug step (only with --debug).</summary>
    public static void Step(string line)
    {
        if (!DebugEnabled) return;
        if (Timestamps)
        {
            if (s_mainEntered != 0)
            {
                long t = s_mainEntered;
                s_mainEntered = 0;
                Write("stage1: " + Stamp(t) + "main entered");
            }
            line = Stamp(System.Diagnostics.Stopwatch.GetTimestamp()) + line;
        }
        Write("stage1: " + line);
    }

    private static string Stamp(long ticks)
    {
        double ms = ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        return $"[{ms.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}] {Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)} ";
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
