# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    The RktPS demo, run by `dotnet pwsh ./build.ps1 -Task Demo` in a fresh pwsh.

.DESCRIPTION
    Imports the built module (out/RktPS/RktPS.psd1, or $env:RKTPS_MODULE), lists its cmdlets, and builds a busybox
    image with the test helpers. The tour of the cmdlets (fetch, run, list, gc) is added here as they land.

.PARAMETER WorkDirectory
    Where the demo writes its image and data directory (default out/demo).
#>
param(
    [string] $WorkDirectory = (Join-Path $PSScriptRoot '../../out/demo')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$modulePath = if ($env:RKTPS_MODULE) { $env:RKTPS_MODULE } else { Join-Path $PSScriptRoot '../../out/RktPS/RktPS.psd1' }
$module = Import-Module $modulePath -PassThru
Import-Module (Join-Path $PSScriptRoot '../pester/TestHelpers.psm1')

Write-Host "RktPS $($module.Version) from $($module.ModuleBase)"
$cmdlets = @(Get-Command -Module RktPS -CommandType Cmdlet | Sort-Object Noun, Verb)
Write-Host "$($cmdlets.Count) cmdlets:"
if ($cmdlets) { $cmdlets | Format-Table -AutoSize Name, Verb, Noun | Out-Host }

$work = (New-Item -ItemType Directory -Force -Path $WorkDirectory).FullName
$rootfs = Join-Path $work 'busybox-rootfs'
if (Test-Path $rootfs) { Remove-Item -Recurse -Force $rootfs }
$null = New-RktBusyboxRootfs -Path $rootfs
$aci = New-RktTestAci -Path (Join-Path $work 'busybox.aci') -Name 'example.com/busybox' -Version '1.36' `
    -RootfsPath $rootfs -Exec '/bin/sh', '-c', 'echo hello from busybox; id' -Compression gzip
Write-Host "busybox image: $aci ($((Get-Item -LiteralPath $aci).Length) bytes)"
