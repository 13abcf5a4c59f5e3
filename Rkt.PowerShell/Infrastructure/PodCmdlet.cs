// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>Shared parameter sets of the cmdlets that act on pods: <c>-Id</c> (UUID, unique prefix or pod name) or <c>-InputObject</c>.</summary>
public abstract class PodCmdlet : RktCmdlet
{
    /// <summary>Pod UUIDs, unique UUID prefixes, or pod names.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [Alias("Uuid", "PodId")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Pods from Get-RktPod or New-RktPod.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "InputObject", ValueFromPipeline = true)]
    public RktPod[] InputObject { get; set; } = [];

    /// <summary>The pods this record names; unknown ids are written as errors.</summary>
    protected IEnumerable<RktPod> ResolvePods()
    {
        if (ParameterSetName == "InputObject")
        {
            foreach (RktPod p in InputObject)
            {
                ItemDataDirectory = p.DataDirectory;
                yield return p;
            }
            ItemDataDirectory = null;
            yield break;
        }
        foreach (string id in Id)
        {
            RktPod? found = null;
            ForItem(id, () => found = Engine.Pods.Resolve(id));
            if (found is not null) yield return found;
        }
    }

    /// <summary>ShouldProcess target: <c>pod 5f3c2a1b (etcd, nginx)</c>.</summary>
    protected static string Describe(RktPod p) => p.ToString();
}
