// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Remove-RktImage: deletes images from the store (rkt image rm), refusing ones that pods use unless -Force.</summary>
[Cmdlet(VerbsCommon.Remove, "RktImage", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveRktImageCommand : ImageCmdlet
{
    /// <summary>Image names (<c>name</c> or <c>name:version</c>; wildcards allowed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Remove even when a pod still uses the image.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (RktImage image in ParameterSetName == "Name" ? ResolveNames() : ResolveImages())
        {
            if (!ShouldProcess(Describe(image), "Remove image")) continue;
            ForItem(image.Id, () => RunEngine(ctx => Engine.Images.Remove(image, Force, ctx)));
        }
    }

    private IEnumerable<RktImage> ResolveNames()
    {
        IReadOnlyList<RktImage> all;
        // the store cannot be read: nothing else in this invocation can work either
        try { all = Engine.Images.List(); }
        catch (Exception e) when (ErrorMapper.IsKnown(e)) { ThrowTerminatingError(ErrorMapper.ToErrorRecord(e, DataDirectory)); yield break; }
        foreach (string n in Name)
        {
            var pattern = new WildcardPattern(n, WildcardOptions.IgnoreCase);
            var hits = all.Where(i => pattern.IsMatch(i.Name) || pattern.IsMatch(i.DisplayName)).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                WriteNotFound("ImageNotFound", $"no image named {n} in the store", n);
            foreach (RktImage i in hits) yield return i;
        }
    }
}
