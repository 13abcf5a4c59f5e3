# SPDX-License-Identifier: MIT
#Requires -Version 7.6

<#
.SYNOPSIS
    Times Import-RktImage of a ~200 MB gzip image against sha512sum, gzip -dc | sha512sum and tar -x.

.DESCRIPTION
    Builds an image tar of about -SizeMB megabytes from files of /usr/lib (manifest + rootfs/usr/lib/...), gzips
    it, then measures, as medians of -Runs runs after one warm-up:
      - Import-RktImage of the gzip ACI into a fresh data directory on disk and on /dev/shm (in this process, the
        module already loaded; the fresh directory is made outside the timing),
      - sha512sum of the tar, gzip -dc of the ACI piped to sha512sum,
      - tar -xf of the tar into a directory on disk and on /dev/shm.
    Native commands are timed with hyperfine when it is installed, otherwise with Measure-Command. All inputs are
    in the page cache after the warm-up. The import fsyncs its blob before the rename (tar -x does not).
    Prints a table with medians, throughput and ratios against sha512sum and tar -x (disk). Not a test: it
    asserts nothing and its numbers depend on the machine.

.PARAMETER SizeMB
    Approximate size of the uncompressed image tar.

.PARAMETER Runs
    Timed runs per measurement.

.PARAMETER WorkDirectory
    Where the image and the on-disk targets go (default: a new directory under /var/tmp, which is on disk).
#>
param(
    [int] $SizeMB = 200,
    [int] $Runs = 5,
    [string] $WorkDirectory
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$module = if ($env:RKTPS_MODULE) { $env:RKTPS_MODULE } else { Join-Path $PSScriptRoot '../out/RktPS/RktPS.psd1' }
if (-not (Test-Path $module)) { throw "No module at ${module}: run ./build.ps1 -Task Build first." }
Import-Module $module -Force

$own = -not $WorkDirectory
if ($own) { $WorkDirectory = Join-Path '/var/tmp' "rktps-bench-$([guid]::NewGuid().ToString('n').Substring(0, 8))" }
$shm = Join-Path '/dev/shm' "rktps-bench-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
$null = New-Item -ItemType Directory -Force -Path $WorkDirectory, $shm

function Invoke-Checked([string] $Command) {
    & bash -c $Command
    if ($LASTEXITCODE -ne 0) { throw "'$Command' failed with exit code $LASTEXITCODE" }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $mid = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

$hyperfine = Get-Command hyperfine -ErrorAction Ignore

function Measure-Native([string] $Command, [string] $Prepare = 'true') {
    # Median seconds of a bash command line.
    if ($hyperfine) {
        $json = Join-Path $WorkDirectory "hf-$([guid]::NewGuid().ToString('n')).json"
        & hyperfine --style none --warmup 1 --runs $Runs --prepare $Prepare --export-json $json $Command | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "hyperfine failed on '$Command'" }
        $result = (Get-Content -Raw $json | ConvertFrom-Json).results[0]
        Remove-Item $json
        return [double]$result.median
    }
    Invoke-Checked $Prepare; Invoke-Checked $Command
    Get-Median @(foreach ($i in 1..$Runs) {
            Invoke-Checked $Prepare
            (Measure-Command { Invoke-Checked $Command }).TotalSeconds
        })
}

function Measure-Import([string] $Aci, [string] $Parent) {
    # Median seconds of Import-RktImage into a fresh data directory under $Parent (made and removed untimed).
    $times = foreach ($i in 0..$Runs) {
        $data = Join-Path $Parent "data-$i"
        $t = (Measure-Command { $null = Import-RktImage -LiteralPath $Aci -DataDirectory $data }).TotalSeconds
        Remove-Item -Recurse -Force $data
        if ($i -gt 0) { $t }   # run 0 is the warm-up
    }
    Get-Median @($times)
}

try {
    # --- the image: manifest + rootfs/usr/lib/..., about $SizeMB MB -----------------------------------------
    $list = Join-Path $WorkDirectory 'files.txt'
    $budget = [long]$SizeMB * 1MB
    $total = 0L
    $files = [Collections.Generic.List[string]]::new()
    foreach ($f in [IO.Directory]::EnumerateFiles('/usr/lib', '*', [IO.EnumerationOptions]@{ RecurseSubdirectories = $true; IgnoreInaccessible = $true; AttributesToSkip = [IO.FileAttributes]::ReparsePoint })) {
        $info = [IO.FileInfo]::new($f)
        if ($info.Length -gt 32MB -or $total + $info.Length -gt $budget) { continue }
        $files.Add($f.Substring(1))
        $total += $info.Length
        if ($total -ge $budget - 1MB) { break }
    }
    [IO.File]::WriteAllLines($list, $files)
    $stage = Join-Path $WorkDirectory 'stage'
    $null = New-Item -ItemType Directory -Path $stage
    @{ acKind = 'ImageManifest'; acVersion = '0.8.11'; name = 'example.com/bench-usr-lib'
        labels = @(@{ name = 'version'; value = '1' }, @{ name = 'os'; value = 'linux' }, @{ name = 'arch'; value = 'amd64' }) } |
        ConvertTo-Json -Depth 4 | Set-Content (Join-Path $stage 'manifest')
    $tar = Join-Path $WorkDirectory 'image.aci.tar'
    $gz = Join-Path $WorkDirectory 'image.aci'
    Invoke-Checked "tar -cf '$tar' --hard-dereference --numeric-owner --owner=0 --group=0 -C '$stage' manifest -C / --transform 's,^usr/,rootfs/usr/,' -T '$list'"
    Invoke-Checked "gzip -c '$tar' > '$gz'"
    $tarBytes = (Get-Item $tar).Length
    $gzBytes = (Get-Item $gz).Length
    Write-Host ('image: {0} files, tar {1:N1} MiB, gzip {2:N1} MiB' -f $files.Count, ($tarBytes / 1MB), ($gzBytes / 1MB))

    # --- measurements -------------------------------------------------------------------------------------------
    $diskX = Join-Path $WorkDirectory 'x'
    $shmX = Join-Path $shm 'x'
    $rows = [ordered]@{}
    $rows['Import-RktImage (gzip) -> disk'] = Measure-Import $gz $WorkDirectory
    $rows['Import-RktImage (gzip) -> /dev/shm'] = Measure-Import $gz $shm
    $rows['sha512sum tar'] = Measure-Native "sha512sum '$tar' > /dev/null"
    $rows['gzip -dc | sha512sum'] = Measure-Native "gzip -dc '$gz' | sha512sum > /dev/null"
    $rows['tar -xf -> disk'] = Measure-Native "tar -xf '$tar' -C '$diskX'" "rm -rf '$diskX' && mkdir '$diskX'"
    $rows['tar -xf -> /dev/shm'] = Measure-Native "tar -xf '$tar' -C '$shmX'" "rm -rf '$shmX' && mkdir '$shmX'"

    $sha = $rows['sha512sum tar']
    $untar = $rows['tar -xf -> disk']
    $timer = if ($hyperfine) { 'hyperfine' } else { 'Measure-Command' }
    Write-Host ("medians of $Runs runs (imports: Measure-Command in one pwsh; native: $timer); MiB/s of the uncompressed tar; {0} cores" -f [Environment]::ProcessorCount)
    $rows.GetEnumerator() | ForEach-Object {
        [pscustomobject]@{
            Operation      = $_.Key
            'Median s'     = '{0:N3}' -f $_.Value
            'MiB/s'        = '{0:N0}' -f ($tarBytes / 1MB / $_.Value)
            'x sha512sum'  = '{0:N2}' -f ($_.Value / $sha)
            'x tar -x disk' = '{0:N2}' -f ($_.Value / $untar)
        }
    } | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}
finally {
    Remove-Item -Recurse -Force -LiteralPath $shm -ErrorAction Ignore
    if ($own) { Remove-Item -Recurse -Force -LiteralPath $WorkDirectory -ErrorAction Ignore }
}
