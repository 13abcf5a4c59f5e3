// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;
using Rkt.Stage1.Fly;

namespace Rkt.Stage1;

/// <summary>
/// Entry point of <c>rktps-stage1</c>. The stage1 image ships this one binary with the entrypoints as symlinks
/// (<c>run</c>, <c>enter</c>, <c>gc</c>, <c>stop</c>); argv[0]'s basename picks one. <c>rktps-stage1 NAME ARGS</c>
/// works too. Every setup failure prints <c>stage1: what: why</c> and exits 254.
/// </summary>
internal static class Program
{
    /// <summary>The process's argv as started (argv[0] included).</summary>
    public static IReadOnlyList<string> CommandLine { get; private set; } = [];

    private static int Main(string[] args)
    {
        Log.MainEntered();
        CommandLine = Environment.GetCommandLineArgs();
        string name = Path.GetFileName(CommandLine.Count > 0 ? CommandLine[0] : "");
        IReadOnlyList<string> rest = args;
        if (name is not ("run" or "enter" or "gc" or "stop"))
        {
            if (args.Length == 0)
            {
                Log.Error("stage1: usage: run|enter|gc|stop ARGS (normally started through the entrypoint symlinks)");
                return Stage1Error.ExitCode;
            }
            name = args[0];
            rest = args[1..];
        }
        try
        {
            return name switch
            {
                "run" => RunCommand.Execute(rest),
                "enter" => EnterCommand.Execute(rest),
                "gc" => GcCommand.Execute(rest),
                "stop" => StopCommand.Execute(rest),
                AppInit.EntryName => AppInit.Execute(rest),
                _ => throw new Stage1Error("entrypoint " + name, "unknown (run, enter, gc, stop)"),
            };
        }
        catch (Stage1Error e)
        {
            Log.Error(e.Line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NativeCallException)
        {
            Log.Error($"stage1: {name}: {e.Message}");
        }
        return Stage1Error.ExitCode;
    }
}
