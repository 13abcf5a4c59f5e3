// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Get-RktImageManifest: an image's manifest (rkt image cat-manifest), as an object or JSON.</summary>
[Cmdlet(VerbsCommon.Get, "RktImageManifest", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(ImageManifest), typeof(string))]
public sealed class GetRktImageManifestCommand : ImageCmdlet
{
    /// <summary>Write the manifest as indented JSON text instead of an object.</summary>
    [Parameter]
    public SwitchParameter AsJson { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var image in ResolveImages())
            ForItem(image.Id, () =>
            {
                ImageManifest m = Engine.Images.GetManifest(ImageId.Parse(image.Id));
                WriteObject(AsJson ? m.ToString() : m);
            });
    }
}
