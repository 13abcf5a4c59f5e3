# SPDX-License-Identifier: MIT
# Helpers shared by the Pester suites, the demo and the benchmarks: temp data directories, busybox root
# filesystems and appc images (ACIs) built with GNU tar or actool.

Set-StrictMode -Version Latest

$script:BusyboxApplets = @(
    'sh', 'true', 'false', 'echo', 'cat', 'ls', 'id', 'env', 'pwd', 'sleep', 'hostname', 'mount', 'ps', 'touch',
    'mkdir', 'rm', 'grep', 'wc', 'head', 'test', 'kill', 'ping'
)

function Invoke-RktHelperNative {
    # Runs a native command; throws with its output when it exits non-zero.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    $output = & $FilePath @ArgumentList 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code ${LASTEXITCODE}: $($output -join [Environment]::NewLine)"
    }
}

function New-RktTestDataDirectory {
    <#
    .SYNOPSIS
        Creates an empty, unique directory for an RktPS data directory (the -DataDirectory of the cmdlets).
    .DESCRIPTION
        Inside a Pester test the directory is created under TestDrive: (removed by Pester after the block);
        otherwise under the system temp directory (/tmp), where the caller removes it.
    .PARAMETER Prefix
        The start of the directory name.
    .OUTPUTS
        System.String. The absolute path of the new directory.
    .EXAMPLE
        $data = New-RktTestDataDirectory
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $Prefix = 'rktps-data')

    $testDrive = Get-PSDrive -Name TestDrive -PSProvider FileSystem -ErrorAction Ignore
    $parent = if ($testDrive) { $testDrive.Root } else { [IO.Path]::GetTempPath() }
    $path = Join-Path $parent "$Prefix-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
    (New-Item -ItemType Directory -Path $path).FullName
}

function New-RktBusyboxRootfs {
    <#
    .SYNOPSIS
        Creates a minimal root filesystem from the host's static busybox.
    .DESCRIPTION
        Copies /bin/busybox (Debian package busybox-static) to <Path>/bin/busybox, links the common applets
        (sh, echo, cat, ls, id, sleep, ps, mount, ping, ...) to it, writes etc/passwd and etc/group with root (0)
        and app (1000:1000), and creates the empty directories tmp, proc, sys, dev, etc and home/app.
    .PARAMETER Path
        The rootfs directory to create (may exist; its content is added to).
    .PARAMETER Busybox
        The static busybox binary to copy.
    .OUTPUTS
        System.String. The absolute path of the rootfs.
    .EXAMPLE
        $rootfs = New-RktBusyboxRootfs -Path (Join-Path $TestDrive 'rootfs')
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Busybox = '/bin/busybox'
    )

    if (-not (Test-Path -PathType Leaf $Busybox)) {
        throw "No busybox at $Busybox (install the Debian package busybox-static)."
    }
    $root = (New-Item -ItemType Directory -Force -Path $Path).FullName
    foreach ($dir in 'bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/app') {
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $root $dir)
    }
    $target = Join-Path $root 'bin/busybox'
    Copy-Item -LiteralPath $Busybox -Destination $target -Force
    Invoke-RktHelperNative chmod @('0755', $target)
    Invoke-RktHelperNative chmod @('1777', (Join-Path $root 'tmp'))
    foreach ($applet in $script:BusyboxApplets) {
        $link = Join-Path $root "bin/$applet"
        Invoke-RktHelperNative ln @('-sfn', 'busybox', $link)
    }
    Set-Content -LiteralPath (Join-Path $root 'etc/passwd') -Value @(
        'root:x:0:0:root:/root:/bin/sh'
        'app:x:1000:1000:app:/home/app:/bin/sh'
    )
    Set-Content -LiteralPath (Join-Path $root 'etc/group') -Value @(
        'root:x:0:'
        'app:x:1000:'
    )
    $root
}

function New-RktImageManifestJson {
    # The appc 0.8.11 image manifest text for New-RktTestAci.
    param([string] $Name, [hashtable] $Labels, [string[]] $Exec, [string] $User, [string] $Group)
    $manifest = [ordered]@{
        acKind    = 'ImageManifest'
        acVersion = '0.8.11'
        name      = $Name
        labels    = @(foreach ($key in ($Labels.Keys | Sort-Object)) { [ordered]@{ name = $key; value = "$($Labels[$key])" } })
    }
    if ($Exec) {
        $manifest.app = [ordered]@{ exec = @($Exec); user = $User; group = $Group }
    }
    $manifest | ConvertTo-Json -Depth 8
}

function New-RktTestAci {
    <#
    .SYNOPSIS
        Writes an appc image (ACI): a tar of `manifest` (appc 0.8.11 image manifest) and `rootfs/`.
    .DESCRIPTION
        Builds the manifest from the parameters (labels os=linux and arch=amd64 unless given; version from
        -Version) and archives it with the rootfs using GNU tar, every entry owned by 0:0 (numeric). With
        -UseActool the image is built by `actool build --overwrite` from the appc tools instead (which validates
        the layout and supports only none or gzip compression).
    .PARAMETER Path
        The .aci file to write (overwritten).
    .PARAMETER Name
        The image name (an AC name such as example.com/busybox).
    .PARAMETER Version
        The value of the version label.
    .PARAMETER Labels
        More labels, name = value. They override the defaults os and arch.
    .PARAMETER RootfsPath
        The directory to archive as rootfs/. Without it the rootfs is empty.
    .PARAMETER Exec
        The app's argv. Without it the image has no app section.
    .PARAMETER User
        The app's user (default 0).
    .PARAMETER Group
        The app's group (default 0).
    .PARAMETER Compression
        none (default), gzip, bzip2, xz or zstd.
    .PARAMETER UseActool
        Build with actool instead of tar.
    .OUTPUTS
        System.String. The absolute path of the image.
    .EXAMPLE
        New-RktTestAci -Path $TestDrive/busybox.aci -Name example.com/busybox -Version 1.0 `
            -RootfsPath (New-RktBusyboxRootfs -Path $TestDrive/rootfs) -Exec '/bin/sh', '-c', 'echo hi'
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Name,
        [string] $Version,
        [hashtable] $Labels = @{},
        [string] $RootfsPath,
        [string[]] $Exec,
        [string] $User = '0',
        [string] $Group = '0',
        [ValidateSet('none', 'gzip', 'bzip2', 'xz', 'zstd')] [string] $Compression = 'none',
        [switch] $UseActool
    )

    $allLabels = @{ os = 'linux'; arch = 'amd64' }
    if ($Version) { $allLabels.version = $Version }
    foreach ($key in $Labels.Keys) { $allLabels[$key] = $Labels[$key] }
    if ($RootfsPath -and -not (Test-Path -PathType Container $RootfsPath)) { throw "RootfsPath $RootfsPath is not a directory." }

    $output = [IO.Path]::GetFullPath($Path)
    $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($output))
    $stage = Join-Path ([IO.Path]::GetTempPath()) "rktps-aci-$([guid]::NewGuid().ToString('n'))"
    $null = New-Item -ItemType Directory -Path $stage
    try {
        $json = New-RktImageManifestJson -Name $Name -Labels $allLabels -Exec $Exec -User $User -Group $Group
        [IO.File]::WriteAllText((Join-Path $stage 'manifest'), $json)
        if ($UseActool) {
            if ($Compression -notin 'none', 'gzip') { throw "actool build writes only none or gzip, not $Compression." }
            $rootfs = Join-Path $stage 'rootfs'
            $null = New-Item -ItemType Directory -Force -Path $rootfs
            if ($RootfsPath) { Invoke-RktHelperNative cp @('-a', "$RootfsPath/.", "$rootfs/") }
            $arguments = @('build', '--overwrite', '--owner-root')
            if ($Compression -eq 'none') { $arguments += '--no-compression' }
            Invoke-RktHelperNative actool ($arguments + @($stage, $output))
        }
        else {
            $source = $RootfsPath
            if (-not $source) { $source = (New-Item -ItemType Directory -Path (Join-Path $stage 'empty-rootfs')).FullName }
            $compress = @{ none = @(); gzip = @('--gzip'); bzip2 = @('--bzip2'); xz = @('--use-compress-program=xz -1'); zstd = @('--zstd') }[$Compression]
            # manifest first, then the rootfs directory renamed from . to rootfs (symlink targets untouched).
            $arguments = @('--create', '--file', $output, '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', '--sort=name') +
                $compress + @('--transform=s,^\.$,rootfs,S', '--transform=s,^\./,rootfs/,S', '-C', $stage, 'manifest', '-C', $source, '.')
            Invoke-RktHelperNative tar $arguments
        }
    }
    finally {
        Remove-Item -Recurse -Force -LiteralPath $stage -ErrorAction Ignore
    }
    $output
}

Export-ModuleMember -Function New-RktTestDataDirectory, New-RktBusyboxRootfs, New-RktTestAci
