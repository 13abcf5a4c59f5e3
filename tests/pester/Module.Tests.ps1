# SPDX-License-Identifier: MIT
# The module as shipped in out/RktPS: manifest, exported surface, cmdlet conventions, dependency isolation.
# Run through `dotnet pwsh ./build.ps1 -Task Test`, which sets RKTPS_MODULE to out/RktPS/RktPS.psd1.

BeforeAll {
    if (-not $env:RKTPS_MODULE) { throw 'RKTPS_MODULE is not set: run the tests with ./build.ps1 -Task Test.' }
    $script:ModulePath = (Resolve-Path $env:RKTPS_MODULE).Path
    $script:ModuleDir = Split-Path $ModulePath
    $script:DependencyDir = Join-Path $ModuleDir 'Dependencies'
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Manifest = Import-PowerShellDataFile -Path $ModulePath
    $script:Module = Import-Module $ModulePath -PassThru -Force -ErrorAction Stop
    $script:Alc = [System.Runtime.Loader.AssemblyLoadContext]

    $script:StateChangingVerbs = 'New', 'Remove', 'Start', 'Stop', 'Import', 'Export', 'Expand', 'Add', 'Set', 'Invoke'

    function Get-RktModuleAssembly {
        $path = Join-Path $ModuleDir 'Rkt.PowerShell.dll'
        @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic -and $_.Location -eq $path })
    }

    function Get-CmdletClassName([Reflection.Assembly] $Assembly) {
        # Verb-Noun of every type carrying [Cmdlet], public or not.
        foreach ($type in $Assembly.GetTypes()) {
            foreach ($attribute in $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)) {
                "$($attribute.VerbName)-$($attribute.NounName)"
            }
        }
    }

    function Get-UnapprovedVerbCommand([System.Management.Automation.CommandInfo[]] $Command) {
        $approved = (Get-Verb).Verb
        @($Command | Where-Object { $_.Verb -notin $approved })
    }

    function Get-MissingWhatIfCommand([System.Management.Automation.CommandInfo[]] $Command) {
        @($Command | Where-Object { $_.Verb -in $StateChangingVerbs -and -not $_.Parameters.ContainsKey('WhatIf') })
    }

    function Get-SetDifference([string[]] $Left, [string[]] $Right) {
        @($Left | Where-Object { $_ -and $_ -notin $Right } | Sort-Object -Unique)
    }
}

Describe 'RktPS manifest' -Tag Unit {
    It 'is a valid module manifest' {
        $info = Test-ModuleManifest -Path $ModulePath -ErrorAction Stop
        $info.Name | Should -Be 'RktPS'
        $info.RootModule | Should -Be 'Rkt.PowerShell.dll'
    }

    It 'carries the version of Directory.Build.props' {
        $props = [xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))
        $expected = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText.Trim()
        $Manifest.ModuleVersion | Should -Be $expected
        $Module.Version | Should -Be ([version]$expected)
    }

    It 'targets PowerShell 7.6 Core and carries the gallery tags' {
        $Manifest.PowerShellVersion | Should -Be '7.6'
        @($Manifest.CompatiblePSEditions) -join ',' | Should -Be 'Core'
        foreach ($tag in 'rkt', 'appc', 'containers', 'Linux', 'PSEdition_Core') {
            $Manifest.PrivateData.PSData.Tags | Should -Contain $tag
        }
    }

    It 'ships every file it names' {
        foreach ($file in @($Manifest.RootModule) + @($Manifest.FormatsToProcess) + @($Manifest.TypesToProcess)) {
            Join-Path $ModuleDir $file | Should -Exist
        }
    }

    It 'exports no functions, variables or aliases' {
        @($Manifest.FunctionsToExport) | Should -HaveCount 0
        @($Manifest.VariablesToExport) | Should -HaveCount 0
        @($Manifest.AliasesToExport) | Should -HaveCount 0
        $Module.ExportedFunctions.Count + $Module.ExportedVariables.Count + $Module.ExportedAliases.Count | Should -Be 0
    }
}

Describe 'RktPS import' -Tag Unit {
    It 'imports as a binary module from out/RktPS' {
        $loaded = Get-Module -Name RktPS
        $loaded | Should -HaveCount 1
        $loaded.ModuleBase | Should -Be $ModuleDir
        Get-RktModuleAssembly | Should -HaveCount 1
    }

    It 'lists in CmdletsToExport exactly the [Cmdlet] classes of Rkt.PowerShell.dll' {
        $classes = @(Get-CmdletClassName (Get-RktModuleAssembly)[0])
        $listed = @($Manifest.CmdletsToExport)
        $notListed = Get-SetDifference $classes $listed
        $noClass = Get-SetDifference $listed $classes
        $notListed | Should -BeNullOrEmpty -Because 'every [Cmdlet] class must be in RktPS.psd1 CmdletsToExport'
        $noClass | Should -BeNullOrEmpty -Because 'every CmdletsToExport entry must have a [Cmdlet] class'
    }

    It 'exports exactly the cmdlets the manifest lists' {
        $exported = @($Module.ExportedCmdlets.Keys)
        $listed = @($Manifest.CmdletsToExport)
        Get-SetDifference $listed $exported | Should -BeNullOrEmpty -Because 'PowerShell must be able to export every listed cmdlet'
        Get-SetDifference $exported $listed | Should -BeNullOrEmpty
    }
}

Describe 'RktPS cmdlet conventions' -Tag Unit {
    BeforeAll {
        $script:Cmdlets = @(Get-Command -Module RktPS -CommandType Cmdlet)
    }

    It 'uses approved verbs only' {
        Get-UnapprovedVerbCommand $Cmdlets | ForEach-Object Name | Should -BeNullOrEmpty
    }

    It 'supports -WhatIf on every state-changing cmdlet' {
        Get-MissingWhatIfCommand $Cmdlets | ForEach-Object Name | Should -BeNullOrEmpty
    }

    Context 'the convention checks detect violations' {
        BeforeAll {
            function global:Frob-RktTestThing { [CmdletBinding()] param() }
            function global:New-RktTestThing { [CmdletBinding()] param() }
            function global:Remove-RktTestThing { [CmdletBinding(SupportsShouldProcess)] param() }
            $script:Probe = @(Get-Command Frob-RktTestThing, New-RktTestThing, Remove-RktTestThing)
        }
        AfterAll {
            Remove-Item Function:\Frob-RktTestThing, Function:\New-RktTestThing, Function:\Remove-RktTestThing
        }

        It 'flags an unapproved verb' {
            (Get-UnapprovedVerbCommand $Probe).Name | Should -Be 'Frob-RktTestThing'
        }

        It 'flags a state-changing command without -WhatIf' {
            (Get-MissingWhatIfCommand $Probe).Name | Should -Be 'New-RktTestThing'
        }

        It 'flags a [Cmdlet] class missing from CmdletsToExport and a stale entry' {
            Get-SetDifference @('Get-RktPod', 'New-RktPod') @('Get-RktPod') | Should -Be 'New-RktPod'
            Get-SetDifference @('Get-RktPod') @('Get-RktPod', 'Old-RktPod') | Should -BeNullOrEmpty
            Get-SetDifference @() @() | Should -BeNullOrEmpty
        }
    }
}

Describe 'RktPS dependency isolation' -Tag Unit {
    BeforeAll {
        # What the runtime does when Rkt.PowerShell.dll (default context) first uses an engine type.
        $script:Engine = $Alc::Default.LoadFromAssemblyName([Reflection.AssemblyName]::new('Rkt.Engine'))
        $script:Private = $Alc::GetLoadContext($Engine)
    }

    It 'keeps Rkt.PowerShell.dll in the default load context' {
        $Alc::GetLoadContext((Get-RktModuleAssembly)[0]) | Should -Be $Alc::Default
    }

    It 'resolves Rkt.Engine from Dependencies/ into the private RktPS context' {
        $Private | Should -Not -Be $Alc::Default
        $Private.Name | Should -Be 'RktPS'
        $Engine.Location | Should -Be (Join-Path $DependencyDir 'Rkt.Engine.dll')
        @($Alc::All | Where-Object Name -EQ 'RktPS') | Should -HaveCount 1
    }

    It 'runs engine code: RktPaths composes paths' {
        # PowerShell resolves [type] literals only in the default context, so take the type from the assembly.
        $paths = $Engine.GetType('Rkt.Engine.RktPaths', $true)::new('/d')
        $paths.Cas | Should -Be '/d/cas'
        $Alc::GetLoadContext($paths.GetType().Assembly) | Should -Be $Private
    }

    It 'loads <Name> in the private context when the engine asks for it' -ForEach @(
        @{ Name = 'LiteDB' }, @{ Name = 'SharpCompress' }, @{ Name = 'Rkt.Formats' }, @{ Name = 'Rkt.Native' }, @{ Name = 'Tmds.LibC' }
    ) {
        $assembly = $Private.LoadFromAssemblyName([Reflection.AssemblyName]::new($Name))
        $Alc::GetLoadContext($assembly) | Should -Be $Private
        $assembly.Location | Should -Be (Join-Path $DependencyDir "$Name.dll")
    }

    It 'loads every assembly of Dependencies/ into the private context' {
        $files = @(Get-ChildItem -Path $DependencyDir -Filter '*.dll' -File)
        $files | Should -Not -BeNullOrEmpty
        foreach ($file in $files) {
            $assembly = $Private.LoadFromAssemblyName([Reflection.AssemblyName]::GetAssemblyName($file.FullName))
            $Alc::GetLoadContext($assembly) | Should -Be $Private -Because "$($file.Name) belongs to the private context"
        }
    }

    It 'has no module dependency in the default context' {
        $names = @(Get-ChildItem -Path $DependencyDir -Filter '*.dll' -File | ForEach-Object BaseName)
        $leaked = @($Alc::Default.Assemblies | Where-Object { $_.GetName().Name -in $names } | ForEach-Object FullName)
        $leaked | Should -BeNullOrEmpty
    }

    It 'does not resolve third-party <Name> for the default context' -ForEach @(@{ Name = 'LiteDB' }, @{ Name = 'SharpCompress' }) {
        { $Alc::Default.LoadFromAssemblyName([Reflection.AssemblyName]::new($Name)) } | Should -Throw
    }

    It 'does not ship System.Management.Automation' {
        Get-ChildItem -Path $ModuleDir -Recurse -Filter 'System.Management.Automation*' | Should -BeNullOrEmpty
    }
}
