# SPDX-License-Identifier: MIT
# The image cmdlets end to end against real data directories under TestDrive: pipeline binding, wildcards, typed
# output, error ids, WhatIf, export round trips checked by actool and Get-FileHash, progress, several pwsh
# processes importing at once, and an import killed with SIGKILL half way.
# Run through `dotnet pwsh ./build.ps1 -Task Test`, which sets RKTPS_MODULE to out/RktPS/RktPS.psd1.

BeforeAll {
    if (-not $env:RKTPS_MODULE) { throw 'RKTPS_MODULE is not set: run the tests with ./build.ps1 -Task Test.' }
    $script:ModulePath = (Resolve-Path $env:RKTPS_MODULE).Path
    Import-Module $ModulePath -Force -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force -ErrorAction Stop

    function New-SmallRootfs([string] $Path, [string] $Content) {
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Path 'etc')
        Set-Content -LiteralPath (Join-Path $Path 'etc/hello') -Value $Content
        (Resolve-Path $Path).Path
    }

    function New-SmallAci([string] $Path, [string] $Name, [string] $Version, [string] $Compression = 'none') {
        $rootfs = New-SmallRootfs (Join-Path $TestDrive "rootfs-$([guid]::NewGuid().ToString('n'))") "$Name $Version"
        New-RktTestAci -Path $Path -Name $Name -Version $Version -RootfsPath $rootfs -Compression $Compression
    }

    function Get-BlobPath([string] $DataDirectory, [string] $Id) {
        Join-Path $DataDirectory "cas/blob/sha512/$($Id.Substring(7, 2))/$Id"
    }

    function Get-PwshCommand {
        # The pwsh running the tests as executable + leading arguments (under `dotnet pwsh` it is the dotnet host).
        $process = [Environment]::ProcessPath
        if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
            return @{ FilePath = $process; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) }
        }
        @{ FilePath = $process; Prefix = @() }
    }

    function Start-ImportProcess([string] $DataDirectory, [string] $Aci, [string] $LogBase) {
        # A separate pwsh process that imports one image; exit code 0 on success, errors on stderr.
        $pwsh = Get-PwshCommand
        $script = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; " +
            "Import-Module '$ModulePath'; " +
            "try { `$null = Import-RktImage -LiteralPath '$Aci' -DataDirectory '$DataDirectory'; exit 0 } " +
            "catch { [Console]::Error.WriteLine(`$_.FullyQualifiedErrorId + ': ' + `$_.Exception.Message); exit 3 }"
        $arguments = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $script)
        Start-Process -FilePath $pwsh.FilePath -ArgumentList $arguments -PassThru `
            -RedirectStandardOutput "$LogBase.out" -RedirectStandardError "$LogBase.err"
    }

    function Test-BlobMatchesId([string] $DataDirectory, [string] $Id) {
        $hash = (Get-FileHash -Algorithm SHA512 -LiteralPath (Get-BlobPath $DataDirectory $Id)).Hash.ToLowerInvariant()
        $hash.StartsWith($Id.Substring(7))
    }
}

Describe 'Import-RktImage' -Tag Integration {
    BeforeAll {
        $script:dir = Join-Path $TestDrive 'acis'
        $null = New-Item -ItemType Directory -Path $dir
        $script:acis = @(
            New-SmallAci (Join-Path $dir 'alpha.aci') 'example.com/alpha' '1.0'
            New-SmallAci (Join-Path $dir 'beta.aci') 'example.com/beta' '2.0' 'gzip'
            New-SmallAci (Join-Path $dir 'gamma.aci') 'example.org/gamma' '3.0' 'zstd'
        )
    }

    It 'imports every file piped from Get-ChildItem' {
        $data = Join-Path $TestDrive 'data-pipe'
        $imported = @(Get-ChildItem "$dir/*.aci" | Import-RktImage -DataDirectory $data)
        $imported.Count | Should -Be 3
        ($imported.Name | Sort-Object) | Should -Be @('example.com/alpha', 'example.com/beta', 'example.org/gamma')
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 3
    }

    It 'expands wildcards in -Path' {
        $data = Join-Path $TestDrive 'data-wild'
        $imported = @(Import-RktImage -Path "$dir/*.aci" -DataDirectory $data)
        $imported.Count | Should -Be 3
        @(Import-RktImage -Path "$dir/b*.aci" -DataDirectory $data).Name | Should -Be 'example.com/beta'
    }

    It 'takes -LiteralPath literally, brackets included' {
        $data = Join-Path $TestDrive 'data-literal'
        $odd = Join-Path $dir 'odd[1].aci'
        Copy-Item -LiteralPath $acis[0] -Destination $odd
        $img = Import-RktImage -LiteralPath $odd -DataDirectory $data
        $img.Name | Should -Be 'example.com/alpha'
        # the same text as -Path is a wildcard matching 'odd1.aci', which does not exist
        $err = $null
        $none = Import-RktImage -Path $odd -DataDirectory $data -ErrorAction SilentlyContinue -ErrorVariable err
        $none | Should -BeNullOrEmpty
        $err.Count | Should -Be 0   # a wildcard that matches nothing is not an error...
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 1
    }

    It 'writes ImageFileNotFound for a literal path that does not exist' {
        $data = Join-Path $TestDrive 'data-missing'
        $missing = Join-Path $dir 'missing.aci'
        { Import-RktImage -Path $missing -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageFileNotFound,Rkt.PowerShell.Commands.ImportRktImageCommand'
        { Import-RktImage -LiteralPath $missing -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageFileNotFound,Rkt.PowerShell.Commands.ImportRktImageCommand'
    }

    It 'writes ImageFileUnreadable for a file that cannot be read, and leaves the store empty' {
        $data = Join-Path $TestDrive 'data-unreadable'
        # Root reads any mode, so use files the kernel refuses to read: /proc/self/mem at offset 0 (EIO) and a directory.
        { Import-RktImage -LiteralPath '/proc/self/mem' -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageFileUnreadable,Rkt.PowerShell.Commands.ImportRktImageCommand'
        { Import-RktImage -LiteralPath $TestDrive -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageFileUnreadable,Rkt.PowerShell.Commands.ImportRktImageCommand'
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 0
        @(Get-ChildItem -Force (Join-Path $data 'cas/tmp') -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'returns a typed RktImage' {
        $data = Join-Path $TestDrive 'data-typed'
        $img = Import-RktImage -LiteralPath $acis[1] -DataDirectory $data
        $img.GetType().FullName | Should -Be 'Rkt.Engine.Model.RktImage'
        $img.Size | Should -BeOfType [long]
        $img.Size | Should -Be (Get-Item (Get-BlobPath $data $img.Id)).Length
        $img.ImportTime | Should -BeOfType [datetime]
        $img.LastUsed | Should -BeOfType [datetime]
        $img.Id | Should -Match '^sha512-[0-9a-f]{64}$'
        $img.ShortId | Should -Be $img.Id.Substring(0, 19)
        $img.Version | Should -Be '2.0'
        $img.Labels['os'] | Should -Be 'linux'
        $img.Labels['arch'] | Should -Be 'amd64'
        $img.Latest | Should -BeFalse
    }

    It 'imports the same content under one id whatever the compression' {
        $data = Join-Path $TestDrive 'data-compress'
        $rootfs = New-SmallRootfs (Join-Path $TestDrive 'rootfs-same') 'same'
        # one tar, compressed by each tool (-k keeps the input, so every file holds the same tar)
        $tar = New-RktTestAci -Path (Join-Path $TestDrive 'same.aci') -Name example.com/same -Version 1 -RootfsPath $rootfs
        $files = @($tar)
        foreach ($tool in @(@('gzip', '.gz'), @('bzip2', '.bz2'), @('xz', '.xz'), @('zstd', '.zst'))) {
            & $tool[0] -q -k -f $tar
            $LASTEXITCODE | Should -Be 0
            $files += "$tar$($tool[1])"
        }
        @($files | ForEach-Object { (Get-FileHash -LiteralPath $_).Hash } | Sort-Object -Unique).Count | Should -Be 5
        $ids = foreach ($f in $files) { (Import-RktImage -LiteralPath $f -DataDirectory $data).Id }
        @($ids | Sort-Object -Unique).Count | Should -Be 1
        $tarSum = (& sha512sum $tar).Split(' ')[0]
        $ids[0] | Should -Be ('sha512-' + $tarSum.Substring(0, 64))
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 1
    }

    It 'imports ACIs built by actool' {
        $data = Join-Path $TestDrive 'data-actool'
        $rootfs = New-SmallRootfs (Join-Path $TestDrive 'rootfs-actool') 'actool'
        $plain = New-RktTestAci -Path (Join-Path $TestDrive 'actool.aci') -Name example.com/actool -Version 1 -RootfsPath $rootfs -UseActool
        $gz = New-RktTestAci -Path (Join-Path $TestDrive 'actool-gz.aci') -Name example.com/actool -Version 2 -RootfsPath $rootfs -UseActool -Compression gzip
        $a = Import-RktImage -LiteralPath $plain -DataDirectory $data
        $b = Import-RktImage -LiteralPath $gz -DataDirectory $data
        $a.DisplayName | Should -Be 'example.com/actool:1'
        $b.DisplayName | Should -Be 'example.com/actool:2'
        Test-BlobMatchesId $data $a.Id | Should -BeTrue
        Test-BlobMatchesId $data $b.Id | Should -BeTrue
    }

    It 'writes a non-terminating error with a stable id for a file that is not an image' {
        $data = Join-Path $TestDrive 'data-bad'
        $bad = Join-Path $TestDrive 'notes.aci'
        Set-Content -LiteralPath $bad -Value ('not an image ' * 100)
        $err = $null
        $out = @(Import-RktImage -LiteralPath $bad, $acis[0] -DataDirectory $data -ErrorAction SilentlyContinue -ErrorVariable err)
        $out.Count | Should -Be 1   # the good file after the bad one is still imported
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'UnknownArchiveFormat,Rkt.PowerShell.Commands.ImportRktImageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        { Import-RktImage -LiteralPath $bad -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnknownArchiveFormat,Rkt.PowerShell.Commands.ImportRktImageCommand'
        Get-ChildItem -Force (Join-Path $data 'cas/tmp') | Should -BeNullOrEmpty
    }

    It 'shows progress for a ~50 MB image without errors' {
        $data = Join-Path $TestDrive 'data-progress'
        $rootfs = Join-Path $TestDrive 'rootfs-big'
        $null = New-Item -ItemType Directory -Path $rootfs
        & head -c 50M /dev/urandom > (Join-Path $rootfs 'big.bin')
        $LASTEXITCODE | Should -Be 0
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'big.aci') -Name example.com/big -Version 1 -RootfsPath $rootfs -Compression gzip
        $ProgressPreference = 'Continue'
        $err = $null
        $img = Import-RktImage -LiteralPath $aci -DataDirectory $data -ErrorVariable err
        $err.Count | Should -Be 0
        $img.Size | Should -BeGreaterThan 50MB
        Test-BlobMatchesId $data $img.Id | Should -BeTrue
    }
}

Describe 'Get-RktImage' -Tag Integration {
    BeforeAll {
        $script:data = Join-Path $TestDrive 'data'
        $script:a = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'a.aci') 'example.com/app' '1.0') -DataDirectory $data
        $script:b = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'b.aci') 'example.com/app' '2.0') -DataDirectory $data
        $script:c = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'c.aci') 'example.org/tool' '0.1') -DataDirectory $data
    }

    It 'lists every image, with sizes the shell can filter on' {
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 3
        @(Get-RktImage -DataDirectory $data | Where-Object Size -gt 0).Count | Should -Be 3
        @(Get-RktImage -DataDirectory $data | Where-Object Size -gt 1TB).Count | Should -Be 0
    }

    It 'matches names with wildcards and name:version' {
        (@(Get-RktImage -Name 'example.com/*' -DataDirectory $data).Id | Sort-Object) | Should -Be (@($a.Id, $b.Id) | Sort-Object)
        (Get-RktImage -Name 'example.com/app:2.0' -DataDirectory $data).Id | Should -Be $b.Id
        (Get-RktImage 'example.org/tool' -DataDirectory $data).Id | Should -Be $c.Id
        @(Get-RktImage -Name 'EXAMPLE.COM/APP' -DataDirectory $data).Count | Should -Be 2
    }

    It 'writes ImageNotFound for a literal name that matches nothing' {
        $err = $null
        $out = Get-RktImage -Name 'example.com/missing' -DataDirectory $data -ErrorAction SilentlyContinue -ErrorVariable err
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,Rkt.PowerShell.Commands.GetRktImageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Get-RktImage -Name 'example.com/missing' -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,Rkt.PowerShell.Commands.GetRktImageCommand'
    }

    It 'returns nothing and no error for a wildcard that matches nothing' {
        $err = $null
        $out = Get-RktImage -Name 'nothing.example/*' -DataDirectory $data -ErrorVariable err
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 0
    }

    It 'takes ImageId by property name from any object' {
        $found = [pscustomobject]@{ ImageId = $c.ShortId } | Get-RktImage -DataDirectory $data
        $found.Id | Should -Be $c.Id
        $found = [pscustomobject]@{ Id = $a.Id } | Get-RktImage -DataDirectory $data
        $found.Id | Should -Be $a.Id
        (Get-RktImage -Id $b.Id.Substring(0, 30).ToUpperInvariant() -DataDirectory $data).Id | Should -Be $b.Id
    }

    It 'writes ImageNotFound and InvalidImageId for bad ids' {
        $other = if ($a.Id[7] -eq '0') { 'sha512-1' } else { 'sha512-0' }
        $prefix = $other + '0'
        $hits = @(Get-RktImage -DataDirectory $data | Where-Object { $_.Id.StartsWith($prefix) })
        $hits.Count | Should -Be 0 -Because 'the test prefix must miss'
        { Get-RktImage -Id $prefix -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,Rkt.PowerShell.Commands.GetRktImageCommand'
        { Get-RktImage -Id 'sha512-z' -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidImageId,Rkt.PowerShell.Commands.GetRktImageCommand'
    }
}

Describe 'Get-RktImageManifest' -Tag Integration {
    BeforeAll {
        $script:data = Join-Path $TestDrive 'data'
        $script:img = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'm.aci') 'example.com/manifest' '4.2') -DataDirectory $data
    }

    It 'returns JSON that parses with -AsJson' {
        $json = Get-RktImageManifest -Id $img.Id -DataDirectory $data -AsJson
        $json | Should -BeOfType [string]
        $m = $json | ConvertFrom-Json
        $m.acKind | Should -Be 'ImageManifest'
        $m.name | Should -Be 'example.com/manifest'
        ($m.labels | Where-Object name -eq 'version').value | Should -Be '4.2'
    }

    It 'returns the manifest object for a piped image' {
        $m = $img | Get-RktImageManifest -DataDirectory $data
        $m.Name.Value | Should -Be 'example.com/manifest'
        $m.Version | Should -Be '4.2'
    }
}

Describe 'Export-RktImage' -Tag Integration {
    BeforeAll {
        $script:data = Join-Path $TestDrive 'data'
        $rootfs = New-RktBusyboxRootfs -Path (Join-Path $TestDrive 'rootfs')
        $aci = New-RktTestAci -Path (Join-Path $TestDrive 'bb.aci.gz') -Name example.com/busybox -Version 1.0 -RootfsPath $rootfs `
            -Exec '/bin/sh', '-c', 'echo hi' -Compression gzip
        $script:img = Import-RktImage -LiteralPath $aci -DataDirectory $data
    }

    It 'writes the tar as imported: actool validates it and its SHA-512 starts with the id' {
        $out = Join-Path $TestDrive 'out.aci'
        $file = Export-RktImage -Id $img.Id -Path $out -DataDirectory $data -PassThru
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $out
        $validate = & actool validate $out 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "actool validate said: $validate"
        $hash = (Get-FileHash -Algorithm SHA512 -LiteralPath $out).Hash.ToLowerInvariant()
        $hash.Substring(0, 64) | Should -Be $img.Id.Substring(7)
        (Import-RktImage -LiteralPath $out -DataDirectory $data).Id | Should -Be $img.Id
    }

    It 'refuses an existing file without -Force and overwrites it with -Force' {
        $out = Join-Path $TestDrive 'exists.aci'
        Set-Content -LiteralPath $out -Value 'keep me'
        { $img | Export-RktImage -Path $out -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationExists,Rkt.PowerShell.Commands.ExportRktImageCommand'
        Get-Content -LiteralPath $out | Should -Be 'keep me'
        $img | Export-RktImage -Path $out -DataDirectory $data -Force
        (Get-FileHash -Algorithm SHA512 -LiteralPath $out).Hash.ToLowerInvariant().Substring(0, 64) | Should -Be $img.Id.Substring(7)
    }

    It 'writes DestinationNotWritable for a directory that does not exist' {
        { $img | Export-RktImage -Path (Join-Path $TestDrive 'no/such/dir.aci') -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationNotWritable,Rkt.PowerShell.Commands.ExportRktImageCommand'
    }

    It 'changes nothing with -WhatIf' {
        $out = Join-Path $TestDrive 'whatif.aci'
        $img | Export-RktImage -Path $out -DataDirectory $data -WhatIf
        Test-Path $out | Should -BeFalse
    }

    It 'resolves a relative path against the PowerShell location' {
        Push-Location $TestDrive
        try { $img | Export-RktImage -Path 'relative.aci' -DataDirectory $data }
        finally { Pop-Location }
        Test-Path (Join-Path $TestDrive 'relative.aci') | Should -BeTrue
    }
}

Describe 'Remove-RktImage' -Tag Integration {
    BeforeEach {
        $script:data = Join-Path $TestDrive "data-$([guid]::NewGuid().ToString('n'))"
        $script:x = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'x.aci') 'example.com/x' '1') -DataDirectory $data
        $script:y = Import-RktImage -LiteralPath (New-SmallAci (Join-Path $TestDrive 'y.aci') 'example.com/y' '1') -DataDirectory $data
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-ChildItem -Recurse -File $data | ForEach-Object { "$($_.FullName) $($_.Length)" }
        Get-RktImage -DataDirectory $data | Remove-RktImage -DataDirectory $data -WhatIf
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 2
        $after = Get-ChildItem -Recurse -File $data | ForEach-Object { "$($_.FullName) $($_.Length)" }
        $after | Should -Be $before
    }

    It 'removes by name, leaving the others' {
        Remove-RktImage -Name 'example.com/x' -DataDirectory $data
        (Get-RktImage -DataDirectory $data).Id | Should -Be $y.Id
        Test-Path (Get-BlobPath $data $x.Id) | Should -BeFalse
        Test-Path (Get-BlobPath $data $y.Id) | Should -BeTrue
    }

    It 'removes what is piped from Get-RktImage' {
        Get-RktImage -DataDirectory $data | Remove-RktImage -DataDirectory $data
        Get-RktImage -DataDirectory $data | Should -BeNullOrEmpty
        Get-ChildItem -Recurse -File (Join-Path $data 'cas/blob') | Should -BeNullOrEmpty
    }

    It 'writes ImageNotFound for a literal name and nothing for a wildcard' {
        { Remove-RktImage -Name 'example.com/none' -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,Rkt.PowerShell.Commands.RemoveRktImageCommand'
        $err = $null
        Remove-RktImage -Name 'none.example/*' -DataDirectory $data -ErrorVariable err
        $err.Count | Should -Be 0
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 2
    }

    It 'stops with StoreUnavailable when the index is unreadable' {
        [IO.File]::WriteAllBytes((Join-Path $data 'cas/db/index.db'), [byte[]]::new(20000))
        { Remove-RktImage -Name 'example.com/*' -DataDirectory $data } |
            Should -Throw -ErrorId 'StoreUnavailable,Rkt.PowerShell.Commands.RemoveRktImageCommand'
        { Get-RktImage -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'StoreUnavailable,Rkt.PowerShell.Commands.GetRktImageCommand'
        Test-Path (Get-BlobPath $data $x.Id) | Should -BeTrue
    }

    It 'refuses an image a prepared pod uses, unless -Force' {
        $uuid = [guid]::NewGuid().ToString()
        $podDir = Join-Path $data "pods/prepared/$uuid"
        $null = New-Item -ItemType Directory -Force -Path $podDir
        $pod = @{
            acKind = 'PodManifest'; acVersion = '0.8.11'
            apps   = @(@{ name = 'x'; image = @{ name = 'example.com/x'; id = $x.Id } })
        } | ConvertTo-Json -Depth 5
        Set-Content -LiteralPath (Join-Path $podDir 'pod') -Value $pod
        { $x | Remove-RktImage -DataDirectory $data -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageInUse,Rkt.PowerShell.Commands.RemoveRktImageCommand'
        Test-Path (Get-BlobPath $data $x.Id) | Should -BeTrue
        $x | Remove-RktImage -DataDirectory $data -Force
        Test-Path (Get-BlobPath $data $x.Id) | Should -BeFalse
    }
}

Describe 'Several pwsh processes on one data directory' -Tag Integration {
    It 'imports 4 at a time, 3 rounds, and lists exactly the distinct images with verified blobs' {
        $data = Join-Path $TestDrive 'shared'
        $acis = @(
            New-SmallAci (Join-Path $TestDrive 'p1.aci') 'example.com/p1' '1' 'gzip'
            New-SmallAci (Join-Path $TestDrive 'p2.aci') 'example.com/p2' '1'
            New-SmallAci (Join-Path $TestDrive 'p3.aci') 'example.com/p3' '1' 'zstd'
            New-SmallAci (Join-Path $TestDrive 'p4.aci') 'example.com/p4' '1' 'xz'
            New-SmallAci (Join-Path $TestDrive 'p5.aci') 'example.com/p5' '1'
        )
        # each round: two processes on the same image, two on others; rounds overlap in images
        $rounds = @(@(0, 0, 1, 2), @(1, 1, 3, 0), @(4, 4, 2, 3))
        $n = 0
        foreach ($round in $rounds) {
            $runs = foreach ($i in $round) {
                $n++
                $log = Join-Path $TestDrive "import-$n"
                [pscustomobject]@{ Process = (Start-ImportProcess $data $acis[$i] $log); Log = $log }
            }
            $runs.Process | Wait-Process -Timeout 300
            foreach ($run in $runs) {
                $run.Process.HasExited | Should -BeTrue
                $run.Process.ExitCode | Should -Be 0 -Because "stderr: $(Get-Content -Raw "$($run.Log).err" -ErrorAction Ignore)"
            }
        }
        $images = @(Get-RktImage -DataDirectory $data)
        ($images.Name | Sort-Object) | Should -Be @('example.com/p1', 'example.com/p2', 'example.com/p3', 'example.com/p4', 'example.com/p5')
        @($images.Id | Sort-Object -Unique).Count | Should -Be 5
        foreach ($img in $images) { Test-BlobMatchesId $data $img.Id | Should -BeTrue -Because $img.Name }
        @(Get-ChildItem -File -Recurse (Join-Path $data 'cas/blob')).Count | Should -Be 5
        Get-ChildItem -Force (Join-Path $data 'cas/tmp') | Should -BeNullOrEmpty
    }
}

Describe 'An import killed with SIGKILL' -Tag Integration {
    It 'leaves no half image; the next import works; the orphan temp file is swept once stale' {
        $data = Join-Path $TestDrive 'killed'
        $content = Join-Path $TestDrive 'big-rootfs'
        $null = New-Item -ItemType Directory -Path $content
        foreach ($i in 1..3) {
            & head -c 100M /dev/urandom > (Join-Path $content "part$i.bin")
            $LASTEXITCODE | Should -Be 0
        }
        $big = New-RktTestAci -Path (Join-Path $TestDrive 'huge.aci') -Name example.com/huge -Version 1 -RootfsPath $content
        (Get-Item $big).Length | Should -BeGreaterThan 300MB
        $small = New-SmallAci (Join-Path $TestDrive 'after.aci') 'example.com/after' '1'

        $tmp = Join-Path $data 'cas/tmp'
        $proc = Start-ImportProcess $data $big (Join-Path $TestDrive 'huge-import')
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path $tmp) -or -not (Get-ChildItem -File $tmp -Filter 'ingest-*')) {
                if ($proc.HasExited) { throw "the import ended (exit $($proc.ExitCode)) before it wrote a temp file" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'no temp file appeared in cas/tmp' }
                Start-Sleep -Milliseconds 20
            }
            & kill -9 $proc.Id
            $LASTEXITCODE | Should -Be 0
            $proc.WaitForExit(30000) | Should -BeTrue
        }
        finally {
            if (-not $proc.HasExited) { $proc.Kill() }
        }
        $orphans = @(Get-ChildItem -File $tmp -Filter 'ingest-*')
        $orphans.Count | Should -Be 1 -Because 'the import was killed while writing its temp file'
        $orphans[0].Length | Should -BeLessThan (Get-Item $big).Length

        $after = Import-RktImage -LiteralPath $small -DataDirectory $data
        $listed = @(Get-RktImage -DataDirectory $data)
        $listed.Count | Should -Be 1
        $listed[0].Id | Should -Be $after.Id
        @(Get-ChildItem -File -Recurse (Join-Path $data 'cas/blob')).Count | Should -Be 1
        # a fresh orphan stays (it could belong to a live import); once an hour old and unlocked, the next import removes it
        Test-Path $orphans[0].FullName | Should -BeTrue
        $orphans[0].LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-2)
        $null = Import-RktImage -LiteralPath $small -DataDirectory $data
        Test-Path $orphans[0].FullName | Should -BeFalse
        @(Get-RktImage -DataDirectory $data).Count | Should -Be 1
    }
}
