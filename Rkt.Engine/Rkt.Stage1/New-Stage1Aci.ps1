# SPDX-License-Identifier: MIT
<#
.SYNOPSIS
    Packs the published stage1 binary into the fly stage1 image (stage1-fly.aci).
.DESCRIPTION
    Writes an uncompressed, deterministic ACI: sorted entries, fixed mtime, uid/gid 0, fixed modes, so the image ID
    (sha512 of the tar) depends only on the binary and the version. Layout:
        manifest
        rootfs/stage1/rktps-stage1
        rootfs/stage1/{enter,gc,run,stop} -> rktps-stage1
    The manifest names the entrypoints through the coreos.com/rkt/stage1/* annotations (interface version 5).
.PARAMETER PublishDirectory
    Directory holding the NativeAOT binary rktps-stage1 (dotnet publish output).
.PARAMETER OutputDirectory
    Where stage1-fly.aci is written (created if missing). The file is replaced atomically.
.PARAMETER Version
    The version label; defaults to VersionPrefix in the repository's Directory.Build.props.
.OUTPUTS
    An object with Path, ImageId (sha512-<hex>) and Size.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PublishDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [string] $Version
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$binary = Join-Path $PublishDirectory 'rktps-stage1'
if (-not (Test-Path -LiteralPath $binary -PathType Leaf)) {
    throw "New-Stage1Aci: $binary not found; publish Rkt.Engine/Rkt.Stage1 first"
}
if (-not $Version) {
    $props = Join-Path $PSScriptRoot '../../Directory.Build.props'
    $Version = ([xml](Get-Content -Raw -LiteralPath $props)).Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
    if (-not $Version) { throw "New-Stage1Aci: no VersionPrefix in $props; pass -Version" }
}

$annotations = [ordered]@{
    'coreos.com/rkt/stage1/run'               = '/stage1/run'
    'coreos.com/rkt/stage1/enter'             = '/stage1/enter'
    'coreos.com/rkt/stage1/gc'                = '/stage1/gc'
    'coreos.com/rkt/stage1/stop'              = '/stage1/stop'
    'coreos.com/rkt/stage1/interface-version' = '5'
}
$manifest = [ordered]@{
    acKind      = 'ImageManifest'
    acVersion   = '0.8.11'
    name        = 'rktps.io/stage1-fly'
    labels      = @(
        [ordered]@{ name = 'version'; value = $Version }
        [ordered]@{ name = 'os'; value = 'linux' }
        [ordered]@{ name = 'arch'; value = 'amd64' }
    )
    annotations = @($annotations.GetEnumerator() | ForEach-Object { [ordered]@{ name = $_.Key; value = $_.Value } })
}
$manifestBytes = [Text.UTF8Encoding]::new($false).GetBytes((ConvertTo-Json -InputObject $manifest -Depth 5) + "`n")

$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$target = Join-Path (Resolve-Path -LiteralPath $OutputDirectory).Path 'stage1-fly.aci'
$temp = "$target.tmp-$PID"

$mtime = [DateTimeOffset]::new(2000, 1, 1, 0, 0, 0, [TimeSpan]::Zero)
$dirMode = [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute'
$fileMode = [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead'
$linkMode = [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute'

function New-Entry([System.Formats.Tar.TarEntryType] $Type, [string] $Name, [IO.UnixFileMode] $Mode) {
    $e = [System.Formats.Tar.UstarTarEntry]::new($Type, $Name)
    $e.Mode = $Mode
    $e.ModificationTime = $mtime
    $e.Uid = 0
    $e.Gid = 0
    $e.UserName = 'root'
    $e.GroupName = 'root'
    $e
}

# Entries in byte-wise sorted order of their names.
$entries = [System.Collections.Generic.List[object]]::new()
$entries.Add(@{ Type = 'RegularFile'; Name = 'manifest'; Mode = $fileMode; Bytes = $manifestBytes })
$entries.Add(@{ Type = 'Directory'; Name = 'rootfs/'; Mode = $dirMode })
$entries.Add(@{ Type = 'Directory'; Name = 'rootfs/stage1/'; Mode = $dirMode })
foreach ($link in 'enter', 'gc', 'rktps-stage1', 'run', 'stop') {
    if ($link -eq 'rktps-stage1') {
        $entries.Add(@{ Type = 'RegularFile'; Name = 'rootfs/stage1/rktps-stage1'; Mode = $dirMode; Path = $binary })
    } else {
        $entries.Add(@{ Type = 'SymbolicLink'; Name = "rootfs/stage1/$link"; Mode = $linkMode; Link = 'rktps-stage1' })
    }
}

$stream = [IO.File]::Create($temp)
try {
    $writer = [System.Formats.Tar.TarWriter]::new($stream, [System.Formats.Tar.TarEntryFormat]::Ustar, $true)
    try {
        foreach ($item in $entries) {
            $entry = New-Entry ([System.Formats.Tar.TarEntryType]$item.Type) $item.Name $item.Mode
            if ($item.ContainsKey('Link')) { $entry.LinkName = $item.Link }
            $data = $null
            if ($item.ContainsKey('Bytes')) { $data = [IO.MemoryStream]::new([byte[]]$item.Bytes) }
            elseif ($item.ContainsKey('Path')) { $data = [IO.File]::OpenRead($item.Path) }
            try {
                if ($data) { $entry.DataStream = $data }
                $writer.WriteEntry($entry)
            } finally {
                if ($data) { $data.Dispose() }
            }
        }
    } finally {
        $writer.Dispose()
    }
    $stream.Flush($true)
} catch {
    $stream.Dispose()
    Remove-Item -LiteralPath $temp -Force -ErrorAction Ignore
    throw
}
$stream.Dispose()
[IO.File]::Move($temp, $target, $true)

$sha = [Security.Cryptography.SHA512]::Create()
try {
    $fs = [IO.File]::OpenRead($target)
    try { $hash = [Convert]::ToHexString($sha.ComputeHash($fs)).ToLowerInvariant() } finally { $fs.Dispose() }
} finally { $sha.Dispose() }

[pscustomobject]@{
    Path    = $target
    ImageId = "sha512-$hash"
    Size    = (Get-Item -LiteralPath $target).Length
    Version = $Version
}
