// SPDX-License-Identifier: MIT
using System.Collections;
using System.Management.Automation;
using Rkt.Engine.Model;
using Rkt.Engine.Pods;
using Rkt.Formats.Appc;
using Rkt.PowerShell.Infrastructure;

namespace Rkt.PowerShell.Commands;

/// <summary>One app of a multi-app pod, as a hashtable: <c>-App @{Image='x'; Exec='/bin/sh','-c','…'; Name='web'}</c>.</summary>
public sealed class RktAppSpec
{
    public string Image { get; set; } = "";
    public string? Name { get; set; }
    public string[]? Exec { get; set; }
    public IDictionary? Environment { get; set; }
    public string? WorkingDirectory { get; set; }
    public string? User { get; set; }
    public string? Group { get; set; }
    public RktMount[]? Mount { get; set; }
}

/// <summary>New-RktPod: prepares a pod from images (rkt prepare). Piped images all go into one pod.</summary>
[Cmdlet(VerbsCommon.New, "RktPod", DefaultParameterSetName = "Image", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RktPod))]
public sealed class NewRktPodCommand : RktCmdlet
{
    private readonly List<string> _images = [];

    /// <summary>Images by ID prefix, <c>name[:version]</c>, or .aci path (imported first).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Image")]
    [ValidateNotNullOrEmpty]
    public string[] Image { get; set; } = [];

    /// <summary>Images from Get-RktImage / Import-RktImage; all of them form one pod.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "InputObject", ValueFromPipeline = true)]
    public RktImage[] InputObject { get; set; } = [];

    /// <summary>Apps with per-app overrides (for pods of several apps).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "App")]
    public RktAppSpec[] App { get; set; } = [];

    /// <summary>Replaces the app's exec (argv). Only for a pod of one app; use -App otherwise.</summary>
    [Parameter] public string[]? Exec { get; set; }
    /// <summary>Environment variables added to (or overriding) the image's.</summary>
    [Parameter] public IDictionary? Environment { get; set; }
    [Parameter] public string? WorkingDirectory { get; set; }
    /// <summary>User: name in the image's /etc/passwd, or a number.</summary>
    [Parameter] public string? User { get; set; }
    /// <summary>Group: name in the image's /etc/group, or a number.</summary>
    [Parameter] public string? Group { get; set; }
    /// <summary>Pod volumes: <c>@{Name='data'; Kind='host'; Source='/srv'; ReadOnly=$true; Path='/data'}</c>.</summary>
    [Parameter] public RktVolume[] Volume { get; set; } = [];
    /// <summary>Mounts for every app: <c>@{Volume='data'; Path='/data'}</c>.</summary>
    [Parameter] public RktMount[] Mount { get; set; } = [];
    /// <summary>The stage1 image (ID, name or .aci path); default: the module's stage1-fly.</summary>
    [Parameter] public string? Stage1 { get; set; }
    /// <summary>Copy trees instead of mounting overlays.</summary>
    [Parameter] public SwitchParameter NoOverlay { get; set; }
    /// <summary>A unique name, usable wherever a pod UUID is.</summary>
    [Parameter] public string? Name { get; set; }
    /// <summary>rkt's --insecure-options.</summary>
    [Parameter] public RktInsecureOption InsecureOption { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName != "InputObject") return;
        _images.AddRange(InputObject.Select(i => i.Id));
        ItemDataDirectory ??= InputObject.FirstOrDefault()?.DataDirectory;
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        List<PodAppSpec> apps;
        List<Volume> volumes;
        try
        {
            apps = BuildApps();
            volumes = Volume.Select((v, i) => v.ToVolume(i)).ToList();
        }
        catch (ManifestException e)
        {
            // Contradictory or malformed parameters: the whole invocation is meaningless.
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId, ErrorCategory.InvalidArgument, e.Field));
            return;
        }
        if (apps.Count == 0) return;
        var mounts = Mount.Select(m => new MountSpec(m.Volume, m.Path))
            .Concat(Volume.Where(v => v.Path is not null).Select(v => new MountSpec(v.Name, v.Path!))).ToList();
        string target = $"pod of {string.Join(", ", apps.Select(a => a.Image))}";
        if (!ShouldProcess(target, "Prepare pod")) return;
        var options = new PrepareOptions
        {
            Apps = apps, Volumes = volumes, Mounts = mounts, Stage1 = Stage1 is null ? null : ResolveMaybePath(Stage1),
            NoOverlay = NoOverlay, Name = Name, InsecureOptions = InsecureOption,
        };
        ForItem(target, () => WriteObject(RunEngine(ctx => Engine.Pods.Prepare(options, ctx))));
    }

    private List<PodAppSpec> BuildApps()
    {
        if (ParameterSetName == "App")
            return App.Select(a => new PodAppSpec
            {
                Image = ResolveMaybePath(a.Image), Name = a.Name, Exec = a.Exec, Environment = ToDict(a.Environment),
                WorkingDirectory = a.WorkingDirectory, User = a.User, Group = a.Group,
                Mounts = (a.Mount ?? []).Select(m => new MountSpec(m.Volume, m.Path)).ToList(),
            }).ToList();
        List<string> images = ParameterSetName == "Image" ? Image.Select(ResolveMaybePath).ToList() : _images;
        if (images.Count > 1 && (Exec is not null || User is not null || Group is not null || WorkingDirectory is not null))
            throw new ManifestException("Exec", "-Exec, -User, -Group and -WorkingDirectory apply to a pod of one app; use -App for several");
        return images.Select(i => new PodAppSpec
        {
            Image = i, Exec = Exec, Environment = ToDict(Environment), WorkingDirectory = WorkingDirectory, User = User, Group = Group,
        }).ToList();
    }

    private string ResolveMaybePath(string image) =>
        image.EndsWith(".aci", StringComparison.Ordinal) || image.StartsWith("./", StringComparison.Ordinal) || image.StartsWith('/') ? ResolveOutputPath(image) : image;

    private static Dictionary<string, string>? ToDict(IDictionary? d)
    {
        if (d is null) return null;
        var r = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in d) r[e.Key.ToString()!] = e.Value?.ToString() ?? "";
        return r;
    }
}
