# SPDX-License-Identifier: MIT
# The shared test helpers must produce what they promise: other suites trust their images and root filesystems.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    function Get-TarListing([string] $Path) {
        # "mode owner/group name" per entry, decompressing by file type as GNU tar does.
        @(& tar --numeric-owner -tvf $Path) | ForEach-Object {
            $fields = -split $_
            [pscustomobject]@{ Mode = $fields[0]; Owner = $fields[1]; Name = $fields[5] }
        }
    }
}

Describe 'New-RktTestDataDirectory' -Tag Unit {
    It 'creates a new empty directory under TestDrive each time' {
        $first = New-RktTestDataDirectory
        $second = New-RktTestDataDirectory
        $first | Should -BeOfType [string]
        $first | Should -Not -Be $second
        $first | Should -BeLike "$TestDrive*"
        Get-ChildItem -Force $first | Should -BeNullOrEmpty
    }
}

Describe 'New-RktBusyboxRootfs' -Tag Integration {
    BeforeAll {
        $script:Rootfs = New-RktBusyboxRootfs -Path (Join-Path $TestDrive 'rootfs')
    }

    It 'links <Applet> to busybox' -ForEach @(
        @{ Applet = 'sh' }, @{ Applet = 'echo' }, @{ Applet = 'sleep' }, @{ Applet = 'mount' }, @{ Applet = 'ping' }
    ) {
        $link = Get-Item (Join-Path $Rootfs "bin/$Applet")
        $link.LinkType | Should -Be 'SymbolicLink'
        $link.LinkTarget | Should -Be 'busybox'
    }

    It 'ships a working shell' {
        & (Join-Path $Rootfs 'bin/sh') -c 'echo $((6 * 7))' | Should -Be '42'
    }

    It 'has root and app (1000:1000) in etc/passwd and etc/group' {
        Get-Content (Join-Path $Rootfs 'etc/passwd') | Should -Contain 'app:x:1000:1000:app:/home/app:/bin/sh'
        Get-Content (Join-Path $Rootfs 'etc/passwd') | Should -Contain 'root:x:0:0:root:/root:/bin/sh'
        Get-Content (Join-Path $Rootfs 'etc/group') | Should -Contain 'root:x:0:'
        Get-Content (Join-Path $Rootfs 'etc/group') | Should -Contain 'app:x:1000:'
    }

    It 'has the empty mount-point directories' {
        foreach ($dir in 'tmp', 'proc', 'sys', 'dev') {
            Join-Path $Rootfs $dir | Should -Exist
            Get-ChildItem -Force (Join-Path $Rootfs $dir) | Should -BeNullOrEmpty
        }
    }
}

Describe 'New-RktTestAci' -Tag Integration {
    BeforeAll {
        $script:Rootfs = New-RktBusyboxRootfs -Path (Join-Path $TestDrive 'rootfs')
    }

    It 'writes a valid <Compression> image with manifest and rootfs owned by 0:0' -ForEach @(
        @{ Compression = 'none' }, @{ Compression = 'gzip' }, @{ Compression = 'bzip2' }, @{ Compression = 'xz' }
    ) {
        $aci = New-RktTestAci -Path (Join-Path $TestDrive "busybox-$Compression.aci") -Name example.com/busybox `
            -Version 1.0 -RootfsPath $Rootfs -Exec '/bin/sh', '-c', 'echo hi' -Compression $Compression
        & actool validate $aci
        $LASTEXITCODE | Should -Be 0
        $entries = Get-TarListing $aci
        $entries[0].Name | Should -Be 'manifest'
        $entries.Name | Should -Contain 'rootfs/bin/busybox'
        @($entries | Where-Object Owner -NE '0/0') | Should -BeNullOrEmpty
        @($entries | Where-Object { $_.Name -ne 'manifest' -and $_.Name -notlike 'rootfs/*' }) | Should -BeNullOrEmpty
    }

    It 'compresses with zstd' {
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'busybox-zstd.aci') -Name example.com/busybox -RootfsPath $Rootfs -Compression zstd
        $magic = [IO.File]::ReadAllBytes($aci)[0..3]
        $magic | Should -Be @(0x28, 0xB5, 0x2F, 0xFD)
        (Get-TarListing $aci).Name | Should -Contain 'rootfs/bin/sh'
    }

    It 'writes the appc 0.8.11 manifest from the parameters' {
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'labels.aci') -Name example.com/labels -Version 2.1 `
            -Labels @{ arch = 'arm64'; channel = 'beta' } -Exec '/bin/true' -User 1000 -Group 1000
        $manifest = (& tar -xOf $aci manifest) -join "`n" | ConvertFrom-Json
        $manifest.acKind | Should -Be 'ImageManifest'
        $manifest.acVersion | Should -Be '0.8.11'
        $manifest.name | Should -Be 'example.com/labels'
        $labels = @{}; foreach ($label in $manifest.labels) { $labels[$label.name] = $label.value }
        $labels.Count | Should -Be 4
        $labels.version | Should -Be '2.1'
        $labels.os | Should -Be 'linux'
        $labels.arch | Should -Be 'arm64'
        $labels.channel | Should -Be 'beta'
        @($manifest.app.exec) | Should -Be '/bin/true'
        $manifest.app.user | Should -Be '1000'
        $manifest.app.group | Should -Be '1000'
    }

    It 'writes an image without app and an empty rootfs' {
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'empty.aci') -Name example.com/empty
        & actool validate $aci
        $LASTEXITCODE | Should -Be 0
        (Get-TarListing $aci).Name | Should -Be @('manifest', 'rootfs/')
        ((& tar -xOf $aci manifest) -join "`n" | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain 'app'
    }

    It 'builds with actool' {
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'actool.aci') -Name example.com/actool -RootfsPath $Rootfs `
            -Exec '/bin/sh' -Compression gzip -UseActool
        [IO.File]::ReadAllBytes($aci)[0..1] | Should -Be @(0x1F, 0x8B)
        & actool validate $aci
        $LASTEXITCODE | Should -Be 0
        (Get-TarListing $aci).Name | Should -Contain 'rootfs/bin/busybox'
    }

    It 'refuses a compression actool cannot write' {
        { New-RktTestAci -Path (Join-Path $TestDrive 'x.aci') -Name example.com/x -Compression xz -UseActool } |
            Should -Throw '*only none or gzip*'
    }
}
