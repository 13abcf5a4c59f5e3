# SPDX-License-Identifier: MIT
# Help gate: every exported cmdlet has complete MAML help (compiled from docs/help/*.md by build.ps1) that agrees
# with the cmdlet's real parameters, and about_RktPS is found. Run through `dotnet pwsh ./build.ps1 -Task Test`.

BeforeAll {
    if (-not $env:RKTPS_MODULE) { throw 'RKTPS_MODULE is not set: run the tests with ./build.ps1 -Task Test.' }
    $script:Module = Import-Module $env:RKTPS_MODULE -PassThru -Force -ErrorAction Stop
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:HelpSource = Join-Path $RepoRoot 'docs/help'
    # -WhatIf and -Confirm must be documented too (they show in the syntax); the other common parameters are implied.
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters

    function Get-Text($Node) {
        # The text of a help description node (an array of @{Text=...}), or ''.
        if ($null -eq $Node) { return '' }
        (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }

    function Get-NoteErrorId([string] $Notes) {
        # ErrorIds listed in the NOTES section as "- ErrorId (Category): when".
        @([regex]::Matches($Notes, '(?m)^\s*-\s+([A-Z][A-Za-z0-9]+)\s+\(') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
    }

    function Test-IsPipeline([string] $Code) {
        # True when the example parses and contains a pipeline of at least two commands.
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$errors)
        if ($errors.Count) { return $false }
        [bool]$ast.Find({ param($n) $n -is [System.Management.Automation.Language.PipelineAst] -and $n.PipelineElements.Count -ge 2 }, $true)
    }

    function Format-Pipeline($Parameter) {
        $kinds = @()
        if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
        if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
        if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
    }

    function Get-HelpProblem([System.Management.Automation.CommandInfo] $Command) {
        # Every way the help of $Command falls short, as one line each (empty when complete).
        # Help objects only have the sections that exist (a missing DESCRIPTION is a missing property), so read them leniently.
        Set-StrictMode -Off
        $name = $Command.Name
        $help = Get-Help $name -Full
        $placeholder = '{{'
        $synopsis = "$($help.Synopsis)".Trim()
        if (-not $synopsis -or $synopsis -like "$name *" -or $synopsis -eq $name) { "$name has no synopsis" }
        elseif ($synopsis.Contains($placeholder)) { "$name synopsis is a placeholder" }
        $description = Get-Text $help.description
        if (-not $description.Trim()) { "$name has no description" }
        elseif ($description.Contains($placeholder)) { "$name description is a placeholder" }

        $real = @($Command.Parameters.Values | Where-Object { $_.Name -notin $Common })
        $documented = @($help.parameters.parameter | Where-Object { $_ })
        foreach ($p in $real) {
            $doc = $documented | Where-Object name -EQ $p.Name | Select-Object -First 1
            if (-not $doc) { "$name -$($p.Name) is not in the help"; continue }
            $text = Get-Text $doc.description
            if (-not $text.Trim()) { "$name -$($p.Name) has no description" }
            elseif ($text.Contains($placeholder)) { "$name -$($p.Name) description is a placeholder" }
            if ("$($doc.type.name)" -ne $p.ParameterType.Name) { "$name -$($p.Name) is documented as $($doc.type.name), but is $($p.ParameterType.Name)" }
            $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
            if ("$($doc.aliases)" -ne $aliases) { "$name -$($p.Name) aliases are documented as '$($doc.aliases)', but are '$aliases'" }
            $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            if ("$($doc.globbing)" -ne "$wildcards") { "$name -$($p.Name) wildcard support is documented as $($doc.globbing), but is $wildcards" }
        }
        foreach ($doc in $documented) {
            if ($doc.name -notin $real.Name) { "$name help documents -$($doc.name), which the cmdlet does not have" }
        }

        # Syntax: one item per parameter set, with the same parameters and the same binding rules.
        $items = @($help.syntax.syntaxItem | Where-Object { $_ })
        if ($items.Count -ne $Command.ParameterSets.Count) { "$name help shows $($items.Count) syntax item(s) for $($Command.ParameterSets.Count) parameter set(s)" }
        foreach ($set in $Command.ParameterSets) {
            $params = @($set.Parameters | Where-Object { $_.Name -notin $Common })
            $names = ($params.Name | Sort-Object) -join ','
            $item = $items | Where-Object { ((@($_.parameter | Where-Object { $_ }).name | Sort-Object) -join ',') -eq $names } | Select-Object -First 1
            if (-not $item) { "$name parameter set $($set.Name) ($names) has no matching syntax item"; continue }
            foreach ($p in $params) {
                $doc = $item.parameter | Where-Object name -EQ $p.Name
                $position = if ($p.Position -ge 0) { "$($p.Position)" } else { 'named' }
                if ("$($doc.position)" -ne $position) { "$name -$($p.Name) in set $($set.Name): position documented as $($doc.position), is $position" }
                if ("$($doc.required)" -ne "$($p.IsMandatory)") { "$name -$($p.Name) in set $($set.Name): required documented as $($doc.required), is $($p.IsMandatory)" }
                $pipeline = Format-Pipeline $p
                if ("$($doc.pipelineInput)" -ne $pipeline) { "$name -$($p.Name) in set $($set.Name): pipeline input documented as '$($doc.pipelineInput)', is '$pipeline'" }
            }
        }

        $examples = @($help.examples.example | Where-Object { $_ })
        if ($examples.Count -lt 2) { "$name has $($examples.Count) example(s), needs at least 2" }
        foreach ($e in $examples) {
            if ("$($e.code)".Contains($placeholder)) { "$name example '$($e.title)' is a placeholder" }
            elseif (-not (Test-IsPipeline "$($e.code)")) { "$name example '$($e.title)' is not a pipeline" }
            if (-not (Get-Text $e.remarks).Trim()) { "$name example '$($e.title)' has no remarks" }
        }

        $inputs = @($help.inputTypes.inputType | Where-Object { $_ -and "$($_.type.name)".Trim() })
        if ($inputs.Count -eq 0) { "$name has no inputs section" }
        elseif ($inputs.type.name -match [regex]::Escape($placeholder)) { "$name inputs are a placeholder" }
        $outputs = @($help.returnValues.returnValue | Where-Object { $_ -and "$($_.type.name)".Trim() })
        if ($outputs.Count -eq 0) { "$name has no outputs section" }
        elseif ($outputs.type.name -match [regex]::Escape($placeholder)) { "$name outputs are a placeholder" }

        $notes = Get-Text $help.alertSet.alert
        if ($notes.Contains($placeholder)) { "$name notes are a placeholder" }
        elseif ((Get-NoteErrorId $notes).Count -eq 0) { "$name notes list no ErrorIds ('- ErrorId (Category): when')" }
    }

    function Get-RaisedErrorId([string] $CommandName) {
        # ErrorIds that this cmdlet demonstrably raises: FQIDs asserted by the Pester suites, and string literals
        # passed as an error id in the cmdlet's own source file.
        $class = ($CommandName -replace '-', '') + 'Command'
        $fromTests = foreach ($f in Get-ChildItem (Join-Path $RepoRoot 'tests/pester') -Filter '*.Tests.ps1') {
            [regex]::Matches((Get-Content -Raw $f.FullName), "'([A-Za-z0-9]+),Rkt\.PowerShell\.Commands\.$class'") | ForEach-Object { $_.Groups[1].Value }
        }
        $source = Join-Path $RepoRoot "Rkt.PowerShell/Commands/$class.cs"
        $fromSource = if (Test-Path $source) {
            $text = Get-Content -Raw $source
            [regex]::Matches($text, 'new\s+(?:[\w.]+\.)?RktException\(\s*[\w.]+\s*,\s*"(\w+)"') | ForEach-Object { $_.Groups[1].Value }
            [regex]::Matches($text, 'new\s+ErrorRecord\([^;]*?,\s*"(\w+)"\s*,') | ForEach-Object { $_.Groups[1].Value }
            [regex]::Matches($text, 'WriteNotFound\(\s*"(\w+)"') | ForEach-Object { $_.Groups[1].Value }
        }
        @(@($fromTests) + @($fromSource) | Where-Object { $_ } | Sort-Object -Unique)
    }

    $script:Cmdlets = @($Module.ExportedCmdlets.Values | Sort-Object Name)
}

Describe 'Cmdlet help' -Tag Unit {
    It 'has a markdown source for <_>' -ForEach @((Import-PowerShellDataFile $env:RKTPS_MODULE).CmdletsToExport) {
        Join-Path $HelpSource "$_.md" | Should -Exist
    }

    It 'is compiled into en-US/Rkt.PowerShell.dll-Help.xml' {
        Join-Path $Module.ModuleBase 'en-US/Rkt.PowerShell.dll-Help.xml' | Should -Exist
        (Get-Command Get-RktImage).HelpFile | Should -BeLike '*Rkt.PowerShell.dll-Help.xml'
    }

    It 'is complete and agrees with the parameters of <_>' -ForEach @((Import-PowerShellDataFile $env:RKTPS_MODULE).CmdletsToExport) {
        $problems = @(Get-HelpProblem (Get-Command $_ -Module RktPS))
        $problems | Should -BeNullOrEmpty -Because ($problems -join '; ')
    }

    It 'lists in the notes of <_> every ErrorId it is known to raise' -ForEach @((Import-PowerShellDataFile $env:RKTPS_MODULE).CmdletsToExport) {
        $listed = Get-NoteErrorId (Get-Text (Get-Help $_ -Full).alertSet.alert)
        $missing = @(Get-RaisedErrorId $_ | Where-Object { $_ -notin $listed })
        $missing | Should -BeNullOrEmpty -Because "the NOTES of $_ must list them"
    }

    It 'shows synopsis, ErrorIds and examples in Get-Help -Full text' {
        $text = Get-Help Remove-RktImage -Full | Out-String -Width 200
        $text | Should -Match 'SYNOPSIS'
        $text | Should -Match 'ImageInUse'
        $text | Should -Match 'Example 2'
        $text | Should -Match 'INPUTS'
        $text | Should -Match 'OUTPUTS'
    }

    Context 'the help checks detect gaps' {
        BeforeAll {
            function global:Get-RktHelpProbe {
                <#
                .SYNOPSIS
                    A probe with incomplete help.
                .EXAMPLE
                    Get-RktHelpProbe
                #>
                [CmdletBinding()]
                param([Parameter(Position = 0)] [string] $Name, [switch] $Force)
            }
            $script:ProbeProblems = @(Get-HelpProblem (Get-Command Get-RktHelpProbe))
        }
        AfterAll { Remove-Item Function:\Get-RktHelpProbe }

        It 'flags a missing description' { $ProbeProblems | Should -Contain 'Get-RktHelpProbe has no description' }
        It 'flags an undocumented parameter' { $ProbeProblems | Should -Contain 'Get-RktHelpProbe -Name has no description' }
        It 'flags too few examples' { $ProbeProblems | Should -Contain 'Get-RktHelpProbe has 1 example(s), needs at least 2' }
        It 'flags an example that is not a pipeline' { $ProbeProblems | Should -Contain "Get-RktHelpProbe example '$(@((Get-Help Get-RktHelpProbe).examples.example)[0].title)' is not a pipeline" }
        It 'flags missing inputs, outputs and ErrorIds' {
            $ProbeProblems | Should -Contain 'Get-RktHelpProbe has no inputs section'
            $ProbeProblems | Should -Contain 'Get-RktHelpProbe has no outputs section'
            $ProbeProblems | Should -Contain "Get-RktHelpProbe notes list no ErrorIds ('- ErrorId (Category): when')"
        }
        It 'reads ErrorIds from notes and pipelines from examples' {
            Get-NoteErrorId "ErrorIds:`n- ImageNotFound (ObjectNotFound): x`n- StoreBusy (ResourceBusy): y" | Should -Be @('ImageNotFound', 'StoreBusy')
            Test-IsPipeline 'Get-RktImage | Remove-RktImage -WhatIf' | Should -BeTrue
            Test-IsPipeline 'Get-RktImage -Name x' | Should -BeFalse
        }
        It 'finds the ErrorIds a cmdlet raises in its source and in the suites' {
            Get-RaisedErrorId 'Import-RktImage' | Should -Contain 'NotAFileSystemPath'
            Get-RaisedErrorId 'Remove-RktImage' | Should -Contain 'ImageInUse'
        }
    }
}

Describe 'about_RktPS' -Tag Unit {
    BeforeAll { $script:About = (Get-Help about_RktPS -ErrorAction Stop | Out-String -Width 200) }

    It 'is found by Get-Help about_RktPS' {
        $About | Should -Match 'about_RktPS'
        $About | Should -Match 'SHORT DESCRIPTION'
        $About | Should -Match 'LONG DESCRIPTION'
    }

    It 'explains the architecture' {
        foreach ($word in 'stage0', 'stage1', 'stage2', 'Rkt.Engine', 'Rkt.Formats', 'overlay') { $About | Should -Match ([regex]::Escape($word)) }
    }

    It 'maps rkt commands to <_>' -ForEach @((Import-PowerShellDataFile $env:RKTPS_MODULE).CmdletsToExport) {
        $About | Should -Match ([regex]::Escape($_))
    }
}
