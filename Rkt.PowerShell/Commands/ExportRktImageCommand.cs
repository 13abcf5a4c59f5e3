// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Export-RktImage: writes an image's tar exactly as imported (rkt image export).</summary>
[Cmdlet(VerbsData.Export, "RktImage", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRktImageCommand : ImageCmdlet
{
    /// <summary>The file to write (an uncompressed .aci). With several images, a directory.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the FileInfo of the exported file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        string dest = ResolveOutputPath(Path);
        foreach (var image in ResolveImages())
        {
            string file = Directory.Exists(dest) ? System.IO.Path.Combine(dest, image.Name.Replace('/', '-') + (image.Version is null ? "" : "-" + image.Version) + ".aci") : dest;
            if (!ShouldProcess($"{Describe(image)} to {file}", "Export image")) continue;
            ForItem(image.Id, () =>
            {
                FileInfo fi = RunEngine(ctx => Engine.Images.Export(image, file, Force, ctx));
                if (PassThru) WriteObject(fi);
            });
        }
    }
}
