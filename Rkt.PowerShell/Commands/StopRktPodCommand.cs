// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Stop-RktPod: SIGTERM to the pod's apps through stage1, SIGKILL after -Timeout (rkt stop).</summary>
[Cmdlet(VerbsLifecycle.Stop, "RktPod", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RktPod))]
public sealed class StopRktPodCommand : PodCmdlet
{
    /// <summary>Kill at once (SIGKILL) instead of a graceful stop.</summary>
    [Parameter] public SwitchParameter Force { get; set; }
    /// <summary>Seconds to wait after SIGTERM before SIGKILL.</summary>
    [Parameter] [ValidateRange(0, 86400)] public int Timeout { get; set; } = 10;
    /// <summary>Write the stopped pod.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
        {
            if (!ShouldProcess(Describe(pod), "Stop pod")) continue;
            ForItem(pod.Id, () =>
            {
                RktPod p = RunEngine(ctx => Engine.Pods.Stop(pod, Force, TimeSpan.FromSeconds(Timeout), ctx));
                if (PassThru) WriteObject(p);
            });
        }
    }
}
