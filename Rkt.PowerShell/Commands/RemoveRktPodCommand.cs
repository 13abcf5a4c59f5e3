// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Remove-RktPod: deletes pods that are not running, with their mounts (rkt rm).</summary>
[Cmdlet(VerbsCommon.Remove, "RktPod", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveRktPodCommand : PodCmdlet
{
    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
        {
            if (!ShouldProcess(Describe(pod), "Remove pod")) continue;
            ForItem(pod.Id, () => RunEngine(ctx => Engine.Pods.Remove(pod, ctx)));
        }
    }
}
