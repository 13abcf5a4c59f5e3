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

# The tour (README.md shows the same commands). Everything lives in a data directory of its own.
$data = Join-Path $work 'data'
if (Test-Path $data) {
    Get-RktPod -DataDirectory $data -ErrorAction SilentlyContinue | Where-Object State -eq Running | Stop-RktPod -Force -DataDirectory $data
    Get-RktPod -DataDirectory $data -ErrorAction SilentlyContinue | Remove-RktPod -DataDirectory $data
    Remove-Item -Recurse -Force $data
}
$PSDefaultParameterValues['*-Rkt*:DataDirectory'] = $data
$shared = New-Item -ItemType Directory -Force -Path (Join-Path $work 'shared')

Write-Host "`n> Get-ChildItem $work/*.aci | Import-RktImage"
Get-ChildItem "$work/*.aci" | Import-RktImage | Out-Host

Write-Host "> Get-RktImage | Sort-Object Size"
Get-RktImage | Sort-Object Size | Out-Host

Write-Host "> New-RktPod -Image example.com/busybox:1.36 -Volume @{...} -Exec ... | Start-RktPod -Detach -Wait -PassThru"
$pod = New-RktPod -Image example.com/busybox:1.36 -Name demo `
    -Volume @{ Name = 'shared'; Kind = 'host'; Source = $shared.FullName; Path = '/shared' } `
    -Exec '/bin/sh', '-c', 'echo "hello from pod $(hostname)"; id; echo written-in-the-pod > /shared/note.txt' |
    Start-RktPod -Detach -Wait -PassThru
$pod | Format-List Id, Name, State, Apps, ExitCode, Started, Finished | Out-Host

Write-Host "> Get-RktPodLog -Id demo"
Get-RktPodLog -Id demo | Out-Host
Write-Host "> Get-Content $shared/note.txt"
Get-Content (Join-Path $shared 'note.txt') | Out-Host

Write-Host "> Get-RktPod"
Get-RktPod | Out-Host

Write-Host "> Export-RktImage -Id <busybox> -Path $work/exported.aci -Force -PassThru; actool validate"
$exported = Get-RktImage -Name example.com/busybox | Export-RktImage -Path (Join-Path $work 'exported.aci') -Force -PassThru
& actool validate $exported.FullName
Write-Host "actool validate: exit $LASTEXITCODE"

Write-Host "> Get-RktPod | Remove-RktPod -WhatIf; Get-RktPod | Remove-RktPod"
Get-RktPod | Remove-RktPod -WhatIf
Get-RktPod | Remove-RktPod
Write-Host "> Invoke-RktGarbageCollection -Scope Pod, Image -GracePeriod 0 -PassThru"
Invoke-RktGarbageCollection -Scope Pod, Image -GracePeriod 0 -PassThru | Out-Host
Write-Host "Demo done: images left: $(@(Get-RktImage).Count), pods left: $(@(Get-RktPod).Count)"
