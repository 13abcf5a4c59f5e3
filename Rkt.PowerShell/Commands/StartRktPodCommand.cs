// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.Engine.Pods;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Start-RktPod: runs a prepared pod (rkt run-prepared). <c>New-RktPod … | Start-RktPod</c> is rkt run.</summary>
[Cmdlet(VerbsLifecycle.Start, "RktPod", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RktPod))]
public sealed class StartRktPodCommand : PodCmdlet
{
    /// <summary>Leave the pod running in the background (its output goes to Get-RktPodLog).</summary>
    [Parameter] public SwitchParameter Detach { get; set; }
    /// <summary>With -Detach: wait until the pod exits.</summary>
    [Parameter] public SwitchParameter Wait { get; set; }
    /// <summary>Write the pod after starting (with exit codes once it exited).</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }
    /// <summary>Hostname inside the pod (isolating stage1s).</summary>
    [Parameter] public string? Hostname { get; set; }
    /// <summary>Networks: host, none, default, or a CNI config name.</summary>
    [Parameter] public string Net { get; set; } = "default";

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
        {
            if (!ShouldProcess(Describe(pod), "Start pod")) continue;
            ForItem(pod.Id, () =>
            {
                var options = new StartOptions
                {
                    Attach = !Detach, Hostname = Hostname, Net = Net,
                    Debug = MyInvocation.BoundParameters.ContainsKey("Verbose") || MyInvocation.BoundParameters.ContainsKey("Debug"),
                };
                RktPod started = RunEngine(ctx => Engine.Pods.Start(pod, options, ctx));
                if (Detach && Wait)
                {
                    try { started = RunEngine(ctx => Engine.Pods.Wait(started, null, ctx)); }
                    catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                    {
                        WriteWarning($"stopped waiting; pod {started.ShortId} keeps running (Stop-RktPod -Id {started.ShortId} stops it)");
                        throw;
                    }
                }
                if (PassThru) WriteObject(started);
            });
        }
    }
}
