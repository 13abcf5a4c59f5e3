// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Get-RktPodLog: the captured stdout and stderr of a pod's apps, also after the pod exited.</summary>
[Cmdlet(VerbsCommon.Get, "RktPodLog", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(string))]
public sealed class GetRktPodLogCommand : PodCmdlet
{
    /// <summary>The app; default every app of the pod.</summary>
    [Parameter] public string? App { get; set; }
    /// <summary>Only the last N lines.</summary>
    [Parameter] [ValidateRange(0, int.MaxValue)] public int? Tail { get; set; }
    /// <summary>Keep writing new lines until the pod exits (or Ctrl+C).</summary>
    [Parameter] public SwitchParameter Follow { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
            ForItem(pod.Id, () =>
            {
                var apps = App is null ? pod.Apps.Select(a => a.Name).ToList() : [App];
                if (App is not null && pod.Apps.All(a => a.Name != App))
                    throw new Rkt.Engine.Errors.RktException(Rkt.Engine.Errors.RktErrorKind.NotFound, "AppNotFound", $"pod {pod.ShortId} has no app {App}", App);
                foreach (string app in apps) Write(pod, app);
            });
    }

    private void Write(RktPod pod, string app)
    {
        string path = Engine.Pods.LogPath(pod, app);
        if (!File.Exists(path) && !Follow) return;
        long offset = 0;
        string partial = "";
        IEnumerable<string> Lines()
        {
            if (!File.Exists(path)) yield break;
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            fs.Seek(offset, SeekOrigin.Begin);
            using var r = new StreamReader(fs);
            string text = partial + r.ReadToEnd();
            offset = fs.Position;
            int last = text.LastIndexOf('\n');
            partial = last < 0 ? text : text[(last + 1)..];
            if (last < 0) yield break;
            foreach (string l in text[..last].Split('\n')) yield return l;
        }
        var first = Lines().ToList();
        foreach (string l in Tail is { } t ? first.TakeLast(t) : first) WriteObject(l);
        if (!Follow) { if (partial.Length > 0) WriteObject(partial); return; }
        while (!StopToken.IsCancellationRequested)
        {
            foreach (string l in Lines()) WriteObject(l);
            if (Engine.Pods.Get(pod.Id) is not { State: RktPodState.Running or RktPodState.Prepared })
            {
                foreach (string l in Lines()) WriteObject(l);
                if (partial.Length > 0) WriteObject(partial);
                return;
            }
            StopToken.WaitHandle.WaitOne(200);
        }
    }
}
