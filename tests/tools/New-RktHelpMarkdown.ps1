# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    Writes a platyPS-layout markdown skeleton for every RktPS cmdlet that has no docs/help/<Cmdlet>.md yet.

.DESCRIPTION
    Imports the built module (out/RktPS/RktPS.psd1) and, for each exported cmdlet without a help file, writes
    docs/help/<Cmdlet>.md: the SYNTAX block and one yaml metadata block per parameter are taken from the
    cmdlet's real metadata (type, parameter sets, aliases, required, position, pipeline input, wildcards, and the
    default value read from a fresh instance of the cmdlet class). The prose sections are left as
    "{{ Fill ... }}" placeholders, which tests/pester/Help.Tests.ps1 rejects, so a skeleton cannot ship unfilled.
    Existing files are never touched (the prose in them is hand-written).

    Run it in a fresh pwsh (a binary module cannot be unloaded):
        dotnet pwsh -NoProfile -File tests/tools/New-RktHelpMarkdown.ps1

.PARAMETER ModulePath
    The built module manifest.

.PARAMETER OutputPath
    The folder of the markdown help files.

.PARAMETER Name
    Only these cmdlets (default: every exported cmdlet).
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/RktPS/RktPS.psd1'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../docs/help'),
    [string[]] $Name = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$module = Import-Module $ModulePath -PassThru -Force
# -WhatIf and -Confirm are documented like any parameter (as platyPS does); the other common parameters are not.
$common = [System.Management.Automation.Cmdlet]::CommonParameters
$standardText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
$null = New-Item -ItemType Directory -Force $OutputPath

function Get-DefaultValue([System.Management.Automation.CmdletInfo] $Command, [string] $Parameter) {
    try {
        $instance = [Activator]::CreateInstance($Command.ImplementingType)
        $value = $Command.ImplementingType.GetProperty($Parameter).GetValue($instance)
        if ($null -eq $value) { return 'None' }
        if ($value -is [System.Management.Automation.SwitchParameter]) { return 'False' }
        if ($value -is [array] -and $value.Count -eq 0) { return 'None' }
        if ($value -is [string] -and $value -eq '') { return 'None' }
        if ($value -is [Enum] -and [int]$value -eq 0) { return 'None' }
        "$value"
    }
    catch { 'None' }
}

function Format-ParameterBlock([System.Management.Automation.CmdletInfo] $Command, [System.Management.Automation.ParameterMetadata] $Parameter) {
    # One yaml block per distinct (required, position, pipeline) combination, as platyPS writes them.
    $allSets = @($Command.ParameterSets.Name)
    $groups = [ordered]@{}
    foreach ($set in $Command.ParameterSets) {
        $p = $set.Parameters | Where-Object Name -EQ $Parameter.Name
        if (-not $p) { continue }
        $pipeline = @()
        if ($p.ValueFromPipeline) { $pipeline += 'ByValue' }
        if ($p.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
        $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
        $position = if ($p.Position -ge 0) { "$($p.Position)" } else { 'Named' }
        $key = "$($p.IsMandatory)|$position|$pipelineText"
        if (-not $groups.Contains($key)) { $groups[$key] = [pscustomobject]@{ Required = $p.IsMandatory; Position = $position; Pipeline = $pipelineText; Sets = [Collections.Generic.List[string]]::new() } }
        $groups[$key].Sets.Add($set.Name)
    }
    $wildcards = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $default = Get-DefaultValue $Command $Parameter.Name
    foreach ($g in $groups.Values) {
        $sets = if ($g.Sets.Count -eq $allSets.Count -and $groups.Count -eq 1) { '(All)' } else { $g.Sets -join ', ' }
        @(
            '```yaml'
            "Type: $($Parameter.ParameterType.Name)"
            "Parameter Sets: $sets"
            "Aliases: $($Parameter.Aliases -join ', ')".TrimEnd()
            ''
            "Required: $($g.Required)"
            "Position: $($g.Position)"
            "Default value: $default"
            "Accept pipeline input: $($g.Pipeline)"
            "Accept wildcard characters: $wildcards"
            '```'
            ''
        )
    }
}

$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
if ($Name) { $commands = @($commands | Where-Object Name -In $Name) }
foreach ($command in $commands) {
    $file = Join-Path $OutputPath "$($command.Name).md"
    if (Test-Path $file) { Write-Verbose "keeping $file"; continue }
    $lines = [Collections.Generic.List[string]]::new()
    $lines.AddRange([string[]]@(
            '---', 'external help file: Rkt.PowerShell.dll-Help.xml', 'Module Name: RktPS', 'online version:', 'schema: 2.0.0', '---', ''
            "# $($command.Name)", '', '## SYNOPSIS', '{{ Fill in the Synopsis }}', '', '## SYNTAX', ''))
    foreach ($set in $command.ParameterSets) {
        $title = if ($set.Name -eq '__AllParameterSets') { '' } else { $set.Name }
        if ($set.IsDefault -and $command.ParameterSets.Count -gt 1) { $title += ' (Default)' }
        if ($title) { $lines.Add("### $title"); }
        $lines.AddRange([string[]]@('```', "$($command.Name) $set", '```', ''))
    }
    $lines.AddRange([string[]]@('## DESCRIPTION', '{{ Fill in the Description }}', '', '## EXAMPLES', '',
            '### Example 1: {{ Fill in a title }}', '```powershell', '{{ Add a pipeline }}', '```', '', '{{ Add remarks }}', '',
            '### Example 2: {{ Fill in a title }}', '```powershell', '{{ Add a pipeline }}', '```', '', '{{ Add remarks }}', '',
            '## PARAMETERS', ''))
    $parameters = $command.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name
    foreach ($parameter in $parameters) {
        $lines.Add("### -$($parameter.Name)")
        $lines.Add($(if ($standardText.ContainsKey($parameter.Name)) { $standardText[$parameter.Name] } else { "{{ Fill $($parameter.Name) Description }}" }))
        $lines.Add('')
        $lines.AddRange([string[]](Format-ParameterBlock $command $parameter))
    }
    $lines.AddRange([string[]]@('### CommonParameters',
            'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).',
            '', '## INPUTS', '', '### {{ Fill input type }}', '{{ Fill in the input description }}', '',
            '## OUTPUTS', ''))
    foreach ($type in $command.OutputType) { $lines.AddRange([string[]]@("### $($type.Name)", '{{ Fill in the output description }}', '')) }
    $lines.AddRange([string[]]@('## NOTES', 'ErrorIds this cmdlet raises (see docs/reference/errors.md):', '', '- `{{ ErrorId }}` (Category): {{ when }}', '',
            '## RELATED LINKS', '', '[about_RktPS](about_RktPS.md)'))
    Set-Content -Path $file -Value $lines
    Write-Host "wrote $file"
}
