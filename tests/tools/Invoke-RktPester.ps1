# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) process and writes its counts as JSON.

.DESCRIPTION
    build.ps1 -Task Test starts this script in a new `pwsh -NoProfile -NonInteractive`, because a binary module
    cannot be unloaded from a session. It imports the given Pester module, runs the tests under -Path with
    detailed output, writes NUnit XML (pester.xml) and a summary (pester-summary.json: Passed, Failed, Skipped,
    NotRun, FailedBlocks, FailedContainers, Result) into -ResultDirectory. The tests import the module named by
    $env:RKTPS_MODULE (out/RktPS/RktPS.psd1).

.PARAMETER PesterModule
    Path of Pester.psd1 (build.ps1 passes the copy in the NuGet package cache).

.PARAMETER Path
    The folder with the *.Tests.ps1 files.

.PARAMETER ResultDirectory
    Where pester.xml and pester-summary.json go.

.PARAMETER Tag
    Comma-separated tags to include (empty: all).

.PARAMETER ExcludeTag
    Comma-separated tags to exclude.
#>
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [string] $Tag = '',
    [string] $ExcludeTag = ''
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

if (-not $env:RKTPS_MODULE -or -not (Test-Path $env:RKTPS_MODULE)) {
    throw "RKTPS_MODULE must name the built module manifest (out/RktPS/RktPS.psd1); it is '$env:RKTPS_MODULE'."
}

Import-Module $PesterModule -Force

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($env:CI -or $env:NO_COLOR) { $config.Output.RenderMode = 'Plaintext' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'
$split = { param($text) @($text -split ',' | ForEach-Object Trim | Where-Object { $_ }) }
$include = @(& $split $Tag)
$exclude = @(& $split $ExcludeTag)
if ($include.Count) { $config.Filter.Tag = $include }
if ($exclude.Count) { $config.Filter.ExcludeTag = $exclude }

$result = Invoke-Pester -Configuration $config

$summary = [ordered]@{
    Result           = "$($result.Result)"
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    Skipped          = $result.SkippedCount
    NotRun           = $result.NotRunCount
    FailedBlocks     = $result.FailedBlocksCount
    FailedContainers = $result.FailedContainersCount
}
$summary | ConvertTo-Json | Set-Content -Path (Join-Path $ResultDirectory 'pester-summary.json')
exit ([int]($result.Result -ne 'Passed'))
