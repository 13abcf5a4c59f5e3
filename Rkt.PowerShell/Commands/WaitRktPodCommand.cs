// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Wait-RktPod: waits until pods have exited (rkt status --wait).</summary>
[Cmdlet(VerbsLifecycle.Wait, "RktPod", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(RktPod))]
public sealed class WaitRktPodCommand : PodCmdlet
{
    /// <summary>Seconds to wait at most; default forever.</summary>
    [Parameter] [ValidateRange(0, int.MaxValue)] public int? Timeout { get; set; }
    /// <summary>Write the pod once it exited.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
            ForItem(pod.Id, () =>
            {
                RktPod p = RunEngine(ctx => Engine.Pods.Wait(pod, Timeout is { } t ? TimeSpan.FromSeconds(t) : null, ctx));
                if (PassThru) WriteObject(p);
            });
    }
}
