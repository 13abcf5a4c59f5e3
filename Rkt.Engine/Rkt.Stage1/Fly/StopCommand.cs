// SPDX-License-Identifier: MIT
using System.Globalization;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Microsoft.Win32.SafeHandles;
using Rkt.Stage1.Pod;

namespace Rkt.Stage1.Fly;

/// <summary>
/// <c>stop [--force] UUID</c> (cwd = pod dir): SIGTERM (SIGKILL with --force) to every app still running, by its
/// <c>appsinfo/&lt;app&gt;/pid</c> (the supervisor removes an app's file before it reaps the app, so a listed pid is
/// never a recycled one); when no app process is left, to the pod's process group from <c>pgid</c>. Exits 0 when
/// nothing is left to signal. Signals are sent only while the pod lock is held by the pod (a free lock means the pod
/// exited), and never to stop's own process group.
/// </summary>
internal static class StopCommand
{
    public static int Execute(IReadOnlyList<string> args)
    {
        bool force = false;
        string? uuid = null;
        foreach (string a in args)
        {
            if (a == "--force" || a == "--force=true") force = true;
            else if (a == "--force=false") force = false;
            else if (a == "--debug" || a == "--debug=true") Log.DebugEnabled = true;
            else if (a.StartsWith("--", StringComparison.Ordinal)) Log.Warn($"ignoring unsupported flag {a}");
            else if (uuid is null) uuid = a;
            else throw new Stage1Error("arguments", $"unexpected argument {a}");
        }
        if (uuid is null) throw new Stage1Error("arguments", "missing pod UUID");
        string dir = Directory.GetCurrentDirectory();
        int signal = force ? ProcessCalls.SIGKILL : ProcessCalls.SIGTERM;
        string sigName = force ? "SIGKILL" : "SIGTERM";

        if (!PodIsRunning(dir))
        {
            Log.Step($"stop {uuid}: the pod lock is free, the pod has exited; nothing to signal");
            return 0;
        }
        int sent = 0;
        foreach (FlyApp app in FlyPod.Load(dir).Apps)
        {
            int? pid = ReadId(app.PidFile);
            if (pid is not > 1) continue;
            if (ProcessCalls.Kill(pid.Value, signal))
            {
                Log.Step($"stop {uuid}: sent {sigName} to app {app.Name} (pid {pid})");
                sent++;
            }
            else Log.Step($"stop {uuid}: app {app.Name} (pid {pid}) is gone");
        }
        if (sent > 0) return 0;
        int? pgid = ReadId(Path.Combine(dir, "pgid"));
        if (pgid is > 1 && pgid.Value != ProcessCalls.GetPgid(0))
        {
            if (ProcessCalls.Kill(-pgid.Value, signal))
            {
                Log.Step($"stop {uuid}: sent {sigName} to process group {pgid}");
                return 0;
            }
            Log.Step($"stop {uuid}: process group {pgid} is gone");
        }
        Log.Step($"stop {uuid}: nothing left to signal");
        return 0;
    }

    private static bool PodIsRunning(string dir)
    {
        using SafeFileHandle h = LinuxSyscalls.Instance.OpenDirectory(dir);
        if (!LinuxSyscalls.Instance.Flock(h, LockKind.Exclusive, wait: false)) return true;
        LinuxSyscalls.Instance.Unlock(h);
        return false;
    }

    private static int? ReadId(string path)
    {
        try
        {
            string s = File.ReadAllText(path).Trim();
            return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new Stage1Error("read " + path, $"\"{s}\" is not a process id");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }
}
