// SPDX-License-Identifier: MIT
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>Get-RktImage: lists images in the store (rkt image list).</summary>
[Cmdlet(VerbsCommon.Get, "RktImage", DefaultParameterSetName = "Name")]
[OutputType(typeof(RktImage))]
public sealed class GetRktImageCommand : RktCmdlet
{
    /// <summary>Image names, matched against <c>name</c> and <c>name:version</c>; wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Image IDs: full keys or unique prefixes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [Alias("ImageId")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Id")
        {
            foreach (string id in Id) ForItem(id, () => WriteObject(Engine.Images.ResolveId(id)));
            return;
        }
        ForItem(DataDirectory, () =>
        {
            IReadOnlyList<RktImage> all = RunEngine(_ => Engine.Images.List());
            if (Name is null) { WriteObject(all, enumerateCollection: true); return; }
            var written = new HashSet<string>();
            foreach (string n in Name)
            {
                var pattern = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                var hits = all.Where(i => pattern.IsMatch(i.Name) || pattern.IsMatch(i.DisplayName)).ToList();
                if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                    WriteNotFound("ImageNotFound", $"no image named {n} in the store", n);
                foreach (RktImage i in hits) if (written.Add(i.Id)) WriteObject(i);
            }
        });
    }
}
