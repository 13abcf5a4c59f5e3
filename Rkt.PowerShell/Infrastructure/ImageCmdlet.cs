// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>
/// Shared parameter sets of the cmdlets that act on existing images: <c>-Id</c> (full or unique prefix, from the
/// pipeline by property name) or <c>-InputObject</c> (a piped RktImage).
/// </summary>
public abstract class ImageCmdlet : RktCmdlet
{
    /// <summary>Image IDs: full <c>sha512-…</c> keys or unique prefixes (at least 2 hex characters).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [Alias("ImageId")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Images from Get-RktImage or Import-RktImage.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "InputObject", ValueFromPipeline = true)]
    public RktImage[] InputObject { get; set; } = [];

    /// <summary>The images this record names; errors for ids that match nothing are written, not thrown.</summary>
    protected IEnumerable<RktImage> ResolveImages()
    {
        if (ParameterSetName == "InputObject")
        {
            foreach (RktImage i in InputObject)
            {
                ItemDataDirectory = i.DataDirectory;
                yield return i;
            }
            ItemDataDirectory = null;
            yield break;
        }
        foreach (string id in Id)
        {
            RktImage? found = null;
            ForItem(id, () => found = Engine.Images.ResolveId(id));
            if (found is not null) yield return found;
        }
    }

    /// <summary>Target text for ShouldProcess: <c>name:version (sha512-…)</c>.</summary>
    protected static string Describe(RktImage i) => $"{i.DisplayName} ({i.ShortId})";
}
