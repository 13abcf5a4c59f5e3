// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.Engine.Pods;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>What garbage collection looks at.</summary>
[Flags]
public enum RktGcScope { Pod = 1, Image = 2 }

/// <summary>Invoke-RktGarbageCollection: rkt gc (pods) and rkt image gc (images and trees).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "RktGarbageCollection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RktPod), typeof(RktImage))]
public sealed class InvokeRktGarbageCollectionCommand : RktCmdlet
{
    /// <summary>Pods, images (and their trees), or both.</summary>
    [Parameter] public RktGcScope Scope { get; set; } = RktGcScope.Pod;
    /// <summary>How long exited pods stay after being marked (pods, default 30 minutes) or images stay unused (images, default 24 hours).</summary>
    [Parameter] public TimeSpan? GracePeriod { get; set; }
    /// <summary>Prepared pods older than this are collected (default 24 hours).</summary>
    [Parameter] public TimeSpan ExpirePrepared { get; set; } = TimeSpan.FromHours(24);
    /// <summary>Only move exited pods to garbage; delete nothing.</summary>
    [Parameter] public SwitchParameter MarkOnly { get; set; }
    /// <summary>Write what was removed.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Scope.HasFlag(RktGcScope.Pod) && ShouldProcess(DataDirectory, "Collect exited pods"))
            ForItem(DataDirectory, () =>
            {
                var options = new GcOptions { GracePeriod = GracePeriod ?? TimeSpan.FromMinutes(30), ExpirePrepared = ExpirePrepared, MarkOnly = MarkOnly };
                IReadOnlyList<RktPod> removed = RunEngine(ctx => Engine.Pods.CollectGarbage(options, ctx));
                if (PassThru) WriteObject(removed, enumerateCollection: true);
            });
        if (Scope.HasFlag(RktGcScope.Image) && ShouldProcess(DataDirectory, "Collect unused images and trees"))
            ForItem(DataDirectory, () =>
            {
                IReadOnlyList<RktImage> removed = RunEngine(ctx => Engine.CollectImages(GracePeriod ?? TimeSpan.FromHours(24), ctx));
                if (PassThru) WriteObject(removed, enumerateCollection: true);
            });
    }
}
