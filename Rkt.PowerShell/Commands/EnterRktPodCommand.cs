// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Enter-RktPod: runs a command (a shell by default) inside a running pod's app, in this terminal (rkt enter).</summary>
[Cmdlet(VerbsCommon.Enter, "RktPod", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(void))]
public sealed class EnterRktPodCommand : PodCmdlet
{
    /// <summary>The app to enter; needed when the pod has several.</summary>
    [Parameter] public string? App { get; set; }
    /// <summary>The command and its arguments; default /bin/sh.</summary>
    [Parameter(Position = 1)] public string[] Command { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktPod pod in ResolvePods())
            ForItem(pod.Id, () =>
            {
                int code = RunEngine(ctx => Engine.Pods.Enter(pod, App, Command, ctx));
                SessionState.PSVariable.Set("LASTEXITCODE", code);
            });
    }
}
