# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    Compiles the markdown help in docs/help (platyPS layout) to MAML and about_*.help.txt.

.DESCRIPTION
    platyPS is not served here, so this is the small converter build.ps1 runs after laying out the module.

    Every <Verb>-<Noun>.md becomes one <command:command> of <OutputPath>/Rkt.PowerShell.dll-Help.xml, the file
    PowerShell reads for the cmdlets of Rkt.PowerShell.dll. The markdown sections are read as platyPS writes them:
    SYNOPSIS, SYNTAX (one "### <Set>" heading per parameter set), DESCRIPTION, EXAMPLES ("### Example N: title",
    a code block, remarks), PARAMETERS ("### -Name", description, one or more yaml blocks with Type, Parameter
    Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters), INPUTS
    and OUTPUTS ("### <Type>" + text), NOTES and RELATED LINKS. The syntax shown by Get-Help is built from the
    parameter blocks, so it always agrees with the PARAMETERS section (tests/pester/Help.Tests.ps1 checks both
    against the cmdlets' real metadata).

    Every about_<Topic>.md (sections "## SHORT DESCRIPTION", "## LONG DESCRIPTION", ...) becomes
    <OutputPath>/about_<Topic>.help.txt in the plain-text layout Get-Help about_<Topic> prints.

    Inline markdown is reduced to what reads well in a terminal: backticks and ** are dropped, relative links
    keep their text, absolute links become "text (url)". Unknown or missing sections are errors, so a typo in a
    heading cannot silently drop text.

.PARAMETER SourcePath
    The folder with the markdown files.

.PARAMETER OutputPath
    The culture folder to write (out/RktPS/en-US).

.PARAMETER AssemblyName
    The cmdlet assembly; the MAML file is named <AssemblyName>-Help.xml.

.OUTPUTS
    System.IO.FileInfo. The files written.

.EXAMPLE
    ./tests/tools/Build-RktHelp.ps1 -SourcePath docs/help -OutputPath out/RktPS/en-US
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $AssemblyName = 'Rkt.PowerShell.dll'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$CommandSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$RequiredSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES'
$YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'

function Stop-Help([string] $File, [int] $Line, [string] $Message) {
    throw "${File}:${Line}: $Message"
}

function ConvertFrom-Inline([string] $Text) {
    # Terminal-friendly text: links, code spans and emphasis.
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]+)\)', {
            param($m)
            $target = $m.Groups[2].Value
            if ($target -match '^[a-z]+://') { "$($m.Groups[1].Value) ($target)" } else { $m.Groups[1].Value }
        })
    $Text -replace '`', '' -replace '\*\*', ''
}

function Split-Section {
    # Splits lines into (heading level, title, body lines with their line numbers) below a given level.
    param([object[]] $Lines, [int] $Level)
    $prefix = '#' * $Level + ' '
    $sections = [Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    foreach ($l in $Lines) {
        if ($l.Text -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $l.Text.StartsWith($prefix)) {
            $current = [pscustomobject]@{ Title = $l.Text.Substring($prefix.Length).Trim(); Line = $l.Number; Body = [Collections.Generic.List[object]]::new() }
            $sections.Add($current)
            continue
        }
        if ($null -eq $current) {
            if ($l.Text.Trim()) { $sections.Add([pscustomobject]@{ Title = $null; Line = $l.Number; Body = [Collections.Generic.List[object]]@($l) }); $current = $sections[-1] }
            continue
        }
        $current.Body.Add($l)
    }
    $sections
}

function Get-Block {
    # Paragraphs and fenced code blocks of a body: @{ Kind = 'Para'|'Code'; Text; Info; Line }.
    param([object[]] $Body, [string] $File)
    $blocks = [Collections.Generic.List[object]]::new()
    $para = [Collections.Generic.List[string]]::new()
    $paraLine = 0
    $flush = {
        if ($para.Count) {
            $blocks.Add([pscustomobject]@{ Kind = 'Para'; Text = ConvertFrom-Inline (($para | ForEach-Object Trim) -join ' '); Info = ''; Line = $paraLine })
            $para.Clear()
        }
    }
    $i = 0
    while ($i -lt $Body.Count) {
        $l = $Body[$i]
        if ($l.Text -match '^```(.*)$') {
            & $flush
            $info = $Matches[1].Trim()
            $start = $l.Number
            $code = [Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Body.Count -and $Body[$i].Text -notmatch '^```\s*$') { $code.Add($Body[$i].Text); $i++ }
            if ($i -ge $Body.Count) { Stop-Help $File $start 'unterminated code block' }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Text = ($code -join "`n"); Info = $info; Line = $start })
            $i++
            continue
        }
        if (-not $l.Text.Trim()) { & $flush; $i++; continue }
        # A list item or a table row starts its own paragraph.
        if ($l.Text -match '^\s*([-*]|\d+\.)\s' -or $l.Text -match '^\s*\|') { & $flush }
        if ($para.Count -eq 0) { $paraLine = $l.Number }
        $para.Add($l.Text)
        if ($l.Text -match '^\s*\|') { & $flush }
        $i++
    }
    & $flush
    $blocks
}

function Get-Para([object[]] $Blocks) {
    # Paragraph texts; code blocks in prose become indented lines.
    foreach ($b in $Blocks) {
        if ($b.Kind -eq 'Para') { $b.Text }
        else { foreach ($line in $b.Text -split "`n") { '    ' + $line } }
    }
}

function Read-Yaml([object] $Block, [string] $File) {
    $map = [ordered]@{}
    $n = $Block.Line
    foreach ($line in $Block.Text -split "`n") {
        $n++
        if (-not $line.Trim()) { continue }
        if ($line -notmatch '^([^:]+):\s*(.*)$') { Stop-Help $File $n "not a 'Key: value' line: $line" }
        $key = $Matches[1].Trim()
        if ($key -notin $YamlKeys) { Stop-Help $File $n "unknown parameter metadata key '$key'" }
        $map[$key] = $Matches[2].Trim()
    }
    foreach ($key in $YamlKeys) { if (-not $map.Contains($key)) { Stop-Help $File $Block.Line "parameter metadata lacks '$key'" } }
    [pscustomobject]@{
        Type = $map['Type']; Sets = @($map['Parameter Sets'] -split ',\s*' | Where-Object { $_ }); Aliases = $map['Aliases']
        Required = $map['Required'] -eq 'True'; Position = $map['Position']; Default = $map['Default value']
        Pipeline = $map['Accept pipeline input']; Wildcards = $map['Accept wildcard characters'] -eq 'True'
    }
}

function Read-CommandMarkdown([string] $Path) {
    $file = Split-Path -Leaf $Path
    $n = 0
    $lines = @(Get-Content -LiteralPath $Path | ForEach-Object { $n++; [pscustomobject]@{ Number = $n; Text = $_ } })
    # YAML front matter.
    if ($lines.Count -and $lines[0].Text -eq '---') {
        $end = 1
        while ($end -lt $lines.Count -and $lines[$end].Text -ne '---') { $end++ }
        if ($end -ge $lines.Count) { Stop-Help $file 1 'unterminated front matter' }
        $lines = @($lines | Select-Object -Skip ($end + 1))
    }
    $top = @(Split-Section $lines 1 | Where-Object Title)
    if ($top.Count -ne 1) { Stop-Help $file 1 'expected exactly one "# <Cmdlet>" heading' }
    $name = $top[0].Title
    if ($name -ne [IO.Path]::GetFileNameWithoutExtension($Path)) { Stop-Help $file $top[0].Line "heading '$name' does not match the file name" }
    if ($name -notmatch '^(\w+)-(\w+)$') { Stop-Help $file $top[0].Line "'$name' is not Verb-Noun" }
    $help = [ordered]@{
        Name = $name; Verb = $Matches[1]; Noun = $Matches[2]; Synopsis = @(); Description = @(); Sets = @(); Examples = @()
        Parameters = @(); Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }
    $seen = @{}
    foreach ($section in Split-Section $top[0].Body 2) {
        if ($null -eq $section.Title) { Stop-Help $file $section.Line 'text before the first "##" section' }
        $title = $section.Title.ToUpperInvariant()
        if ($title -notin $CommandSections) { Stop-Help $file $section.Line "unknown section '$($section.Title)'" }
        $seen[$title] = $true
        $body = @($section.Body)
        switch ($title) {
            'SYNOPSIS' { $help.Synopsis = @(Get-Para (Get-Block $body $file)) }
            'DESCRIPTION' { $help.Description = @(Get-Para (Get-Block $body $file)) }
            'NOTES' { $help.Notes = @(Get-Para (Get-Block $body $file)) }
            'SYNTAX' {
                $help.Sets = @(foreach ($s in Split-Section $body 3) {
                        if ($s.Title) { ($s.Title -replace '\(Default\)', '').Trim() }
                    })
            }
            'EXAMPLES' {
                $help.Examples = @(foreach ($s in Split-Section $body 3) {
                        if (-not $s.Title) { continue }
                        $blocks = @(Get-Block @($s.Body) $file)
                        $code = @($blocks | Where-Object Kind -EQ 'Code')
                        if ($code.Count -eq 0) { Stop-Help $file $s.Line "example '$($s.Title)' has no code block" }
                        [pscustomobject]@{
                            Title   = $s.Title
                            Code    = ($code | ForEach-Object Text) -join "`n"
                            Remarks = @(Get-Para @($blocks | Where-Object Kind -EQ 'Para'))
                        }
                    })
            }
            'PARAMETERS' {
                $help.Parameters = @(foreach ($s in Split-Section $body 3) {
                        if (-not $s.Title -or $s.Title -eq 'CommonParameters') { continue }
                        if ($s.Title -notmatch '^-(\w+)$') { Stop-Help $file $s.Line "parameter heading '$($s.Title)' is not '-Name'" }
                        $blocks = @(Get-Block @($s.Body) $file)
                        $yaml = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Info -eq 'yaml' })
                        if ($yaml.Count -eq 0) { Stop-Help $file $s.Line "parameter $($s.Title) has no yaml metadata block" }
                        [pscustomobject]@{
                            Name        = $Matches[1]
                            Description = @(Get-Para @($blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Info -eq 'yaml') }))
                            Blocks      = @($yaml | ForEach-Object { Read-Yaml $_ $file })
                            Line        = $s.Line
                        }
                    })
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $items = @(foreach ($s in Split-Section $body 3) {
                        if (-not $s.Title) { continue }
                        [pscustomobject]@{ Type = $s.Title; Description = @(Get-Para (Get-Block @($s.Body) $file)) }
                    })
                if ($title -eq 'INPUTS') { $help.Inputs = $items } else { $help.Outputs = $items }
            }
            'RELATED LINKS' {
                $help.Links = @(foreach ($l in $body) {
                        if ($l.Text -match '^\s*\[([^\]]+)\]\(([^)]*)\)\s*$') {
                            $uri = if ($Matches[2] -match '^[a-z]+://') { $Matches[2] } else { '' }
                            [pscustomobject]@{ Text = $Matches[1]; Uri = $uri }
                        }
                        elseif ($l.Text.Trim()) { Stop-Help $file $l.Number "related link is not [text](target): $($l.Text)" }
                    })
            }
        }
    }
    foreach ($required in $RequiredSections) {
        if (-not $seen[$required]) { Stop-Help $file 1 "missing section '## $required'" }
    }
    if ($help.Sets.Count -eq 0) { $help.Sets = @('__AllParameterSets') }
    [pscustomobject]$help
}

function Write-Para([Xml.XmlWriter] $Writer, [string[]] $Text) {
    $Writer.WriteStartElement('maml', 'description', $NsMaml)
    foreach ($t in $Text) { $Writer.WriteElementString('maml', 'para', $NsMaml, $t) }
    $Writer.WriteEndElement()
}

function Test-InSet([object] $Block, [string] $Set) {
    $Block.Sets -contains '(All)' -or $Block.Sets -contains $Set -or $Set -eq '__AllParameterSets'
}

function Write-Parameter([Xml.XmlWriter] $Writer, [object] $Parameter, [object] $Block) {
    $isSwitch = $Block.Type -eq 'SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $NsCommand)
    $Writer.WriteAttributeString('required', $Block.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ($Block.Type.EndsWith('[]')).ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Block.Wildcards.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Block.Pipeline)
    $Writer.WriteAttributeString('position', $(if ($Block.Position -eq 'Named') { 'named' } else { $Block.Position }))
    $Writer.WriteAttributeString('aliases', $(if ($Block.Aliases) { $Block.Aliases } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    Write-Para $Writer $Parameter.Description
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $NsCommand)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Block.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $NsDev)
    $Writer.WriteElementString('maml', 'name', $NsMaml, $Block.Type)
    $Writer.WriteElementString('maml', 'uri', $NsMaml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $NsDev, $Block.Default)
    $Writer.WriteEndElement()
}

function Write-TypeList([Xml.XmlWriter] $Writer, [string] $Outer, [string] $Inner, [object[]] $Items) {
    $Writer.WriteStartElement('command', $Outer, $NsCommand)
    foreach ($item in $Items) {
        $Writer.WriteStartElement('command', $Inner, $NsCommand)
        $Writer.WriteStartElement('dev', 'type', $NsDev)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $item.Type)
        $Writer.WriteEndElement()
        Write-Para $Writer $item.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Command([Xml.XmlWriter] $Writer, [object] $Help) {
    $Writer.WriteStartElement('command', 'command', $NsCommand)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $Writer.WriteStartElement('command', 'details', $NsCommand)
    $Writer.WriteElementString('command', 'name', $NsCommand, $Help.Name)
    $Writer.WriteElementString('command', 'verb', $NsCommand, $Help.Verb)
    $Writer.WriteElementString('command', 'noun', $NsCommand, $Help.Noun)
    Write-Para $Writer $Help.Synopsis
    $Writer.WriteEndElement()

    Write-Para $Writer $Help.Description

    # Syntax: per set, positional parameters by position, then mandatory, then the rest, -WhatIf/-Confirm last.
    $Writer.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in $Help.Sets) {
        $entries = @(foreach ($p in $Help.Parameters) {
                $block = $p.Blocks | Where-Object { Test-InSet $_ $set } | Select-Object -First 1
                if ($block) { [pscustomobject]@{ Parameter = $p; Block = $block } }
            })
        $ordered = @($entries | Sort-Object @{ Expression = { if ($_.Block.Position -eq 'Named') { 1 } else { 0 } } },
            @{ Expression = { if ($_.Block.Position -eq 'Named') { 0 } else { [int]$_.Block.Position } } },
            @{ Expression = { -not $_.Block.Required } }, @{ Expression = { $_.Parameter.Name -in 'WhatIf', 'Confirm' } },
            @{ Expression = { $_.Parameter.Name } })
        $Writer.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $Help.Name)
        foreach ($e in $ordered) { Write-Parameter $Writer $e.Parameter $e.Block }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($p in $Help.Parameters) { Write-Parameter $Writer $p $p.Blocks[0] }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Help.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Help.Outputs

    $Writer.WriteStartElement('maml', 'alertSet', $NsMaml)
    $Writer.WriteStartElement('maml', 'alert', $NsMaml)
    foreach ($t in $Help.Notes) { $Writer.WriteElementString('maml', 'para', $NsMaml, $t) }
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $NsCommand)
        $Writer.WriteElementString('maml', 'title', $NsMaml, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $NsDev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $NsDev)
        foreach ($t in $example.Remarks) { $Writer.WriteElementString('maml', 'para', $NsMaml, $t) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $NsCommand)
    foreach ($link in $Help.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $Writer.WriteElementString('maml', 'linkText', $NsMaml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $NsMaml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function ConvertTo-AboutText([string] $Path) {
    # about_<Topic>.md → the plain-text layout of about_*.help.txt.
    $file = Split-Path -Leaf $Path
    $topic = [IO.Path]::GetFileNameWithoutExtension($Path)
    $n = 0
    $lines = @(Get-Content -LiteralPath $Path | ForEach-Object { $n++; [pscustomobject]@{ Number = $n; Text = $_ } })
    $top = @(Split-Section $lines 1 | Where-Object Title)
    if ($top.Count -ne 1 -or $top[0].Title -ne $topic) { Stop-Help $file 1 "expected exactly one '# $topic' heading" }
    $out = [Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $topic"); $out.Add('')
    $sections = @(Split-Section @($top[0].Body) 2)
    if (-not ($sections | Where-Object Title -EQ 'SHORT DESCRIPTION')) { Stop-Help $file 1 "missing '## SHORT DESCRIPTION'" }
    if (-not ($sections | Where-Object Title -EQ 'LONG DESCRIPTION')) { Stop-Help $file 1 "missing '## LONG DESCRIPTION'" }
    foreach ($section in $sections) {
        if ($null -eq $section.Title) { Stop-Help $file $section.Line 'text before the first "##" section' }
        $out.Add($section.Title.ToUpperInvariant())
        $inFence = $false
        foreach ($l in $section.Body) {
            $text = $l.Text
            if ($text -match '^```') { $inFence = -not $inFence; continue }
            if ($inFence) { $out.Add('        ' + $text); continue }
            if ($text -match '^###\s+(.*)$') {
                if ($out[-1] -ne '') { $out.Add('') }
                $out.Add('  ' + (ConvertFrom-Inline $Matches[1]).ToUpperInvariant())
                continue
            }
            if ($text.Trim()) { $out.Add('    ' + (ConvertFrom-Inline $text)) } else { $out.Add('') }
        }
        while ($out.Count -and $out[-1] -eq '') { $out.RemoveAt($out.Count - 1) }
        $out.Add('')
    }
    $out
}

$source = (Resolve-Path -LiteralPath $SourcePath).Path
$null = New-Item -ItemType Directory -Force $OutputPath
$output = (Resolve-Path -LiteralPath $OutputPath).Path

$commandFiles = @(Get-ChildItem -LiteralPath $source -Filter '*-*.md' -File | Sort-Object Name)
if ($commandFiles.Count -eq 0) { throw "No <Verb>-<Noun>.md files in $source." }
$mamlPath = Join-Path $output "$AssemblyName-Help.xml"
$temp = "$mamlPath.tmp"
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$writer = [Xml.XmlWriter]::Create($temp, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($f in $commandFiles) { Write-Command $writer (Read-CommandMarkdown $f.FullName) }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }
Move-Item -Force $temp $mamlPath
Get-Item $mamlPath

foreach ($f in Get-ChildItem -LiteralPath $source -Filter 'about_*.md' -File) {
    $target = Join-Path $output "$($f.BaseName).help.txt"
    Set-Content -LiteralPath $target -Value (ConvertTo-AboutText $f.FullName)
    Get-Item $target
}
