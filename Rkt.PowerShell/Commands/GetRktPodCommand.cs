// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Get-RktPod: lists pods with their state and apps (rkt list, rkt status).</summary>
[Cmdlet(VerbsCommon.Get, "RktPod", DefaultParameterSetName = "All")]
[OutputType(typeof(RktPod))]
public sealed class GetRktPodCommand : RktCmdlet
{
    /// <summary>Pod UUIDs, unique prefixes or names.</summary>
    [Parameter(Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [Alias("Uuid", "PodId")]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only pods in these states.</summary>
    [Parameter]
    public RktPodState[]? State { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Id is not null)
        {
            foreach (string id in Id)
                ForItem(id, () =>
                {
                    RktPod p = Engine.Pods.Resolve(id);
                    if (State is null || State.Contains(p.State)) WriteObject(p);
                });
            return;
        }
        ForItem(DataDirectory, () =>
        {
            foreach (RktPod p in Engine.Pods.List())
                if (State is null || State.Contains(p.State)) WriteObject(p);
        });
    }
}
