// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Images;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Import-RktImage: puts ACI files into the store (rkt fetch of a file).</summary>
[Cmdlet(VerbsData.Import, "RktImage", DefaultParameterSetName = "Path", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RktImage))]
public sealed class ImportRktImageCommand : RktCmdlet
{
    /// <summary>ACI files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>ACI files, taken literally; Get-ChildItem output binds here through PSPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (string file in ResolveFiles())
        {
            if (!ShouldProcess(file, "Import image")) continue;
            ForItem(file, () => WriteObject(RunEngine(ctx => Engine.Images.ImportFile(file, new ImportOptions(), ctx))));
        }
    }

    private IEnumerable<string> ResolveFiles()
    {
        if (ParameterSetName == "LiteralPath")
        {
            foreach (string p in LiteralPath) yield return GetUnresolvedProviderPathFromPSPath(p);
            yield break;
        }
        foreach (string p in Path)
        {
            List<string> resolved = [];
            try
            {
                resolved.AddRange(GetResolvedProviderPathFromPSPath(p, out ProviderInfo provider));
                if (provider.Name != "FileSystem")
                {
                    WriteError(new ErrorRecord(new ArgumentException($"{p} is not a file system path"), "NotAFileSystemPath", ErrorCategory.InvalidArgument, p));
                    continue;
                }
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(e, "ImageFileNotFound", ErrorCategory.ObjectNotFound, p));
                continue;
            }
            foreach (string r in resolved) yield return r;
        }
    }
}
