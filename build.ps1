# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    Builds, tests, demos and benchmarks RktPS.

.DESCRIPTION
    The one entry point of the repository. Run it in the pinned PowerShell tool:

        dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test

    Build  compiles Rkt.PowerShell (linux-x64) and lays out the module in out/RktPS/:
           RktPS.psd1 (ModuleVersion stamped from Directory.Build.props), Rkt.PowerShell.dll, the ps1xml files,
           en-US/ help (compiled from docs/help/*.md by tests/tools/Build-RktHelp.ps1), every other assembly in
           Dependencies/, and the stage1 image in stage1/.
    Test   Build, then every xunit project under tests/*.Tests/, then Pester (tests/pester) in a fresh pwsh.
           Results go to out/test-results/. The last line of output is "N passed, N failed, N skipped";
           the exit code is 1 when anything failed or a suite did not run.
    Demo   Build, then tests/tools/Demo.ps1 in a fresh pwsh.
    Bench  Build, then every bench/*.ps1 and bench/*.sh.

    Test, Demo and Bench first bootstrap the machine: as root, missing Debian packages (actool, busybox, podman,
    crun, ...) are installed with apt-get; Pester is restored from NuGet into the NuGet package cache.

.PARAMETER Task
    Build (default), Test, Demo or Bench.

.PARAMETER Configuration
    Release (default) or Debug.

.PARAMETER Tag
    Pester: run only tests with one of these tags (Unit, Integration, Privileged).

.PARAMETER ExcludeTag
    Pester: skip tests with one of these tags.

.PARAMETER Filter
    xunit: a dotnet test --filter expression, e.g. "FullyQualifiedName~Store" or "Category=Privileged".

.PARAMETER SkipBootstrap
    Do not check or install Debian packages (Pester is still restored).

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Tag Unit -Filter 'FullyQualifiedName~Formats'
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    [string[]] $Tag = @(),

    [string[]] $ExcludeTag = @(),

    [string] $Filter,

    [switch] $SkipBootstrap
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$Rid = 'linux-x64'
$OutDir = Join-Path $Root 'out'
$ModuleDir = Join-Path $OutDir 'RktPS'
$ModuleManifest = Join-Path $ModuleDir 'RktPS.psd1'
$ResultsDir = Join-Path $OutDir 'test-results'
$Stage1Project = Join-Path $Root 'Rkt.Engine/Rkt.Stage1/Rkt.Stage1.csproj'
$Stage1AciScript = Join-Path $Root 'Rkt.Engine/Rkt.Stage1/New-Stage1Aci.ps1'
$DebianPackages = @(
    'appc-spec', 'busybox-static', 'gnupg', 'podman', 'skopeo', 'umoci', 'crun', 'runc',
    'systemd-container', 'hyperfine', 'xz-utils', 'zstd', 'bzip2'
)

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
if ($env:CI) { $PSStyle.OutputRendering = 'PlainText' }

function Write-Step([string] $Message) {
    Write-Host "==> $Message"
}

function Invoke-Native {
    # Runs a native command with the given arguments; throws when it exits non-zero.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        $message = "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
        throw [Management.Automation.ErrorRecord]::new([Exception]::new($message), 'NativeCommandFailed', 'NotSpecified', $FilePath)
    }
}

function Test-IsRoot {
    (& id -u) -eq '0'
}

function Get-PwshInvocation {
    # The pwsh running this script, as an executable plus leading arguments. Under `dotnet pwsh` the process is the
    # dotnet host, which needs the path of pwsh.dll first.
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @{ FilePath = $process; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    @{ FilePath = $process; Prefix = @() }
}

function Invoke-FreshPwsh {
    # Runs a script file in a new pwsh process (a binary module cannot be unloaded, so tests never share a session).
    param([Parameter(Mandatory)] [string] $ScriptPath, [string[]] $ArgumentList = @())
    $pwsh = Get-PwshInvocation
    $prefix = $pwsh.Prefix
    & $pwsh.FilePath @prefix -NoProfile -NonInteractive -File $ScriptPath @ArgumentList | Out-Host
    $LASTEXITCODE
}

function Get-VersionPrefix {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    $node = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix')
    if (-not $node -or -not $node.InnerText.Trim()) { throw 'Directory.Build.props has no VersionPrefix.' }
    $node.InnerText.Trim()
}

function Install-Prerequisite {
    # Debian packages the integration tests, demo and benchmarks use; installed only when running as root.
    $packages = @($DebianPackages)
    if ((Test-Path $Stage1Project) -and -not (Get-Command clang -ErrorAction Ignore)) {
        $packages += 'gcc'   # NativeAOT links stage1 with clang, or gcc when clang is absent
    }
    if (-not (Get-Command dpkg-query -ErrorAction Ignore)) {
        Write-Warning "dpkg-query not found: not a Debian system, cannot check for $($packages -join ', ')."
        return
    }
    $missing = @(foreach ($package in $packages) {
            $status = & dpkg-query -W '-f=${Status}' $package 2>$null
            if ($LASTEXITCODE -ne 0 -or "$status" -notmatch 'install ok installed') { $package }
        })
    if ($missing.Count -eq 0) { return }
    if (-not (Test-IsRoot)) {
        Write-Warning "Missing Debian packages: $($missing -join ' '). Not root, so not installing them; tests that need them will fail."
        return
    }
    Write-Step "apt-get install $($missing -join ' ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing)
}

function Get-PesterModulePath {
    $restoreProject = Join-Path $Root 'tests/pester/PesterRestore.csproj'
    $download = ([xml](Get-Content -Raw $restoreProject)).SelectSingleNode("//PackageDownload[@Include='Pester']")
    if (-not $download) { throw "$restoreProject has no PackageDownload for Pester." }
    $version = $download.GetAttribute('Version').Trim('[', ']', ' ')
    Write-Step "Restore Pester $version"
    Invoke-Native dotnet @('restore', $restoreProject, '-nologo', '-v:q')
    $locals = & dotnet nuget locals global-packages -l
    if ($LASTEXITCODE -ne 0 -or "$locals" -notmatch 'global-packages:\s*(.+)$') { throw "Cannot locate the NuGet package cache: $locals" }
    $path = Join-Path $Matches[1].Trim() "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $version was restored but $path does not exist." }
    $path
}

function Invoke-Build {
    $version = Get-VersionPrefix
    $publishDir = Join-Path $OutDir "obj/Rkt.PowerShell/$Configuration"
    Write-Step "Build Rkt.PowerShell $version ($Configuration, $Rid)"
    Invoke-Native dotnet @('publish', (Join-Path $Root 'Rkt.PowerShell/Rkt.PowerShell.csproj'),
        '-c', $Configuration, '-r', $Rid, '-o', $publishDir, '-nologo', '-v:q', '-clp:NoSummary')

    if (Test-Path $ModuleDir) { Remove-Item -Recurse -Force $ModuleDir }
    $dependencies = Join-Path $ModuleDir 'Dependencies'
    $null = New-Item -ItemType Directory -Force $dependencies

    $manifest = Get-Content -Raw (Join-Path $Root 'RktPS.psd1')
    $stamped = $manifest -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'"
    if ($stamped -eq $manifest -and $manifest -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($version))'") {
        throw 'RktPS.psd1 has no ModuleVersion line to stamp.'
    }
    Set-Content -Path $ModuleManifest -Value $stamped -NoNewline

    foreach ($file in 'RktPS.format.ps1xml', 'RktPS.types.ps1xml') {
        $source = Join-Path $Root "Rkt.PowerShell/$file"
        if (Test-Path $source) { Copy-Item $source $ModuleDir }
    }
    # Help: docs/help/*.md (platyPS layout) compiled to MAML and about_*.help.txt by our own converter.
    Write-Step 'Compile help (docs/help -> en-US)'
    $null = & (Join-Path $Root 'tests/tools/Build-RktHelp.ps1') -SourcePath (Join-Path $Root 'docs/help') -OutputPath (Join-Path $ModuleDir 'en-US')

    # Rkt.PowerShell.dll alone at the root (the default load context); everything else goes to Dependencies/.
    foreach ($item in Get-ChildItem $publishDir) {
        if ($item.Name -like 'System.Management.Automation*') {
            throw "$($item.Name) must not ship with the module (PowerShellStandard.Library is compile-only)."
        }
        if ($item.Name -like 'Rkt.PowerShell.*') {
            if ($item.Extension -in '.dll', '.pdb') { Copy-Item $item.FullName $ModuleDir }
            continue
        }
        if ($item.PSIsContainer -or $item.Extension -in '.dll', '.pdb', '.so') {
            Copy-Item -Recurse $item.FullName $dependencies
        }
    }

    if (Test-Path $Stage1Project) {
        $stage1Dir = Join-Path $ModuleDir 'stage1'
        Write-Step "Publish stage1 (NativeAOT) to $stage1Dir"
        Invoke-Native dotnet @('publish', $Stage1Project, '-c', $Configuration, '-r', $Rid, '-o', $stage1Dir,
            '-nologo', '-v:q', '-clp:NoSummary')
        if (Test-Path $Stage1AciScript) {
            Write-Step 'Build the stage1 image'
            $aci = & $Stage1AciScript -PublishDirectory $stage1Dir -OutputDirectory $stage1Dir
            Write-Step "Stage1 image $($aci.ImageId.Substring(0, 19)) at $($aci.Path)"
        }
    }

    $null = Test-ModuleManifest -Path $ModuleManifest
    Write-Step "Module laid out in $ModuleDir"
}

function Read-TrxCount([string] $Path) {
    # Counts from a VSTest TRX file: ResultSummary/Counters.
    $xml = [xml](Get-Content -Raw $Path)
    $ns = [Xml.XmlNamespaceManager]::new($xml.NameTable)
    $ns.AddNamespace('t', 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010')
    $counters = $xml.SelectSingleNode('/t:TestRun/t:ResultSummary/t:Counters', $ns)
    if (-not $counters) { throw "$Path has no ResultSummary counters." }
    $n = { param($name) [int]$counters.GetAttribute($name) }
    [pscustomobject]@{
        Passed  = & $n 'passed'
        Failed  = (& $n 'failed') + (& $n 'error') + (& $n 'timeout') + (& $n 'aborted')
        Skipped = (& $n 'notExecuted') + (& $n 'inconclusive')
    }
}

function New-SuiteResult([string] $Kind, [string] $Name, $Count, [string] $Problem) {
    [pscustomobject]@{ Kind = $Kind; Name = $Name; Count = $Count; Problem = $Problem }
}

function Invoke-XunitSuite([string] $Project, [bool] $ExcludePrivileged) {
    $name = [IO.Path]::GetFileNameWithoutExtension($Project)
    $trxName = "$name.trx"
    $trx = Join-Path $ResultsDir $trxName
    $filter = $Filter
    if ($ExcludePrivileged) { $filter = if ($filter) { "($filter)&Category!=Privileged" } else { 'Category!=Privileged' } }
    $arguments = @('test', $Project, '-c', $Configuration, '-nologo', '-v:q',
        '--logger', "trx;LogFileName=$trxName", '--results-directory', $ResultsDir)
    if ($filter) { $arguments += @('--filter', $filter) }
    Write-Step "xunit $name"
    & dotnet @arguments | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trx)) { return New-SuiteResult 'xunit' $name $null "did not run (dotnet test exit $exit, no $trxName)" }
    $count = Read-TrxCount $trx
    $problem = if ($exit -ne 0 -and $count.Failed -eq 0) { "dotnet test exited $exit" } else { $null }
    New-SuiteResult 'xunit' $name $count $problem
}

function Invoke-PesterSuite([string] $PesterModule, [string[]] $Tags, [string[]] $ExcludeTags) {
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    $arguments = @('-PesterModule', $PesterModule, '-Path', (Join-Path $Root 'tests/pester'), '-ResultDirectory', $ResultsDir)
    if ($Tags.Count) { $arguments += @('-Tag', ($Tags -join ',')) }
    if ($ExcludeTags.Count) { $arguments += @('-ExcludeTag', ($ExcludeTags -join ',')) }
    Write-Step 'Pester tests/pester'
    $exit = Invoke-FreshPwsh (Join-Path $Root 'tests/tools/Invoke-RktPester.ps1') $arguments
    if (-not (Test-Path $summary)) { return New-SuiteResult 'pester' 'tests/pester' $null "did not run (pwsh exit $exit, no summary)" }
    $data = Get-Content -Raw $summary | ConvertFrom-Json
    $count = [pscustomobject]@{
        Passed  = [int]$data.Passed
        Failed  = [int]$data.Failed + [int]$data.FailedBlocks + [int]$data.FailedContainers
        Skipped = [int]$data.Skipped
    }
    $problem = if ($exit -ne 0 -and $count.Failed -eq 0) { "Pester exited $exit" } else { $null }
    New-SuiteResult 'pester' 'tests/pester' $count $problem
}

function Write-TestSummary([object[]] $Suites) {
    # One line per suite, then the final "N passed, N failed, N skipped". A suite that did not run counts as 1 failed.
    $passed = 0; $failed = 0; $skipped = 0
    Write-Host ''
    foreach ($suite in $Suites) {
        $label = '{0,-7} {1,-28}' -f $suite.Kind, $suite.Name
        if ($suite.Count) {
            $passed += $suite.Count.Passed; $failed += $suite.Count.Failed; $skipped += $suite.Count.Skipped
            $line = '{0} {1} passed, {2} failed, {3} skipped' -f $label, $suite.Count.Passed, $suite.Count.Failed, $suite.Count.Skipped
            if ($suite.Problem) { $line += " ($($suite.Problem))"; $failed++ }
        }
        else {
            $line = "$label $($suite.Problem)"
            $failed++
        }
        Write-Host $line
    }
    Write-Host ('{0} passed, {1} failed, {2} skipped' -f $passed, $failed, $skipped)
    $failed
}

function Invoke-Test {
    $suites = [Collections.Generic.List[object]]::new()
    try {
        if (-not $SkipBootstrap) { Install-Prerequisite }
        $pester = Get-PesterModulePath
        Invoke-Build
    }
    catch {
        Write-Host "error: $($_.Exception.Message)"
        if ($_.FullyQualifiedErrorId -ne 'NativeCommandFailed') { Write-Host $_.InvocationInfo.PositionMessage }
        $suites.Add((New-SuiteResult 'build' 'out/RktPS' $null 'failed: no tests ran'))
        return Write-TestSummary $suites
    }

    if (Test-Path $ResultsDir) { Remove-Item -Recurse -Force $ResultsDir }
    $null = New-Item -ItemType Directory $ResultsDir

    $tags = @($Tag); $excludeTags = @($ExcludeTag)
    $excludePrivileged = -not (Test-IsRoot) -and 'Privileged' -notin $tags
    if ($excludePrivileged) {
        Write-Warning 'Not root: excluding Privileged tests (xunit Category=Privileged, Pester tag Privileged).'
        $excludeTags += 'Privileged'
    }

    $projects = Get-ChildItem -Path (Join-Path $Root 'tests') -Directory -Filter '*.Tests' |
        ForEach-Object { Get-ChildItem -Path $_.FullName -Filter '*.csproj' -File } |
        Sort-Object FullName
    foreach ($project in $projects) {
        $suites.Add((Invoke-XunitSuite $project.FullName $excludePrivileged))
    }
    $suites.Add((Invoke-PesterSuite $pester $tags $excludeTags))
    Write-TestSummary $suites
}

function Invoke-Demo {
    if (-not $SkipBootstrap) { Install-Prerequisite }
    Invoke-Build
    $demo = Join-Path $Root 'tests/tools/Demo.ps1'
    if (-not (Test-Path $demo)) { Write-Warning "No demo script at $demo."; return 0 }
    Write-Step 'Demo'
    Invoke-FreshPwsh $demo
}

function Invoke-Bench {
    if (-not $SkipBootstrap) { Install-Prerequisite }
    Invoke-Build
    $benchDir = Join-Path $Root 'bench'
    $scripts = @(Get-ChildItem -Path (Join-Path $benchDir '*') -Include '*.ps1', '*.sh' -File -ErrorAction Ignore | Sort-Object Name)
    if ($scripts.Count -eq 0) { Write-Host "No benchmarks in $benchDir (bench/*.ps1, bench/*.sh)."; return 0 }
    $failures = 0
    foreach ($script in $scripts) {
        Write-Step "Bench $($script.Name)"
        $exit = if ($script.Extension -eq '.ps1') { Invoke-FreshPwsh $script.FullName } else { & bash $script.FullName | Out-Host; $LASTEXITCODE }
        if ($exit -ne 0) { Write-Warning "$($script.Name) exited $exit."; $failures++ }
    }
    $failures
}

$savedModule = $env:RKTPS_MODULE
$env:RKTPS_MODULE = $ModuleManifest
Push-Location $Root
try {
    $failed = switch ($Task) {
        'Build' { $null = Invoke-Build; 0 }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
catch {
    # Test reports its own failures; this is Build, Demo and Bench (and bugs in this script).
    Write-Host "error: $($_.Exception.Message)"
    if ($_.FullyQualifiedErrorId -ne 'NativeCommandFailed') { Write-Host $_.InvocationInfo.PositionMessage }
    $failed = 1
}
finally {
    Pop-Location
    $env:RKTPS_MODULE = $savedModule
}
exit ([int]($failed -ne 0))
