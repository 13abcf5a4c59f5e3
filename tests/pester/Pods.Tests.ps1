# SPDX-License-Identifier: MIT
# Real pods with the fly stage1, as root (CI is root). Run through `dotnet pwsh ./build.ps1 -Task Test`.

BeforeAll {
    Import-Module $env:RKTPS_MODULE -Force -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Data = New-RktTestDataDirectory -Prefix 'rktps-pods'
    $PSDefaultParameterValues['*-Rkt*:DataDirectory'] = $script:Data
    $rootfs = New-RktBusyboxRootfs -Path (Join-Path $TestDrive 'rootfs')
    $script:Aci = New-RktTestAci -Path (Join-Path $TestDrive 'busybox.aci') -Name 'example.com/busybox' -Version '1.0' `
        -RootfsPath $rootfs -Exec '/bin/sh', '-c', 'echo hello from the pod'
    $script:Image = Import-RktImage -LiteralPath $script:Aci

    # An image whose app declares a mount point, written by hand (the helper's manifests have none).
    $stage = Join-Path $TestDrive 'mp'
    $null = New-Item -ItemType Directory -Path $stage
    @{
        acKind = 'ImageManifest'; acVersion = '0.8.11'; name = 'example.com/needs-volume'
        labels = @(@{ name = 'os'; value = 'linux' }, @{ name = 'arch'; value = 'amd64' })
        app = @{ exec = @('/bin/sh', '-c', 'ls /data'); user = '0'; group = '0'; mountPoints = @(@{ name = 'data'; path = '/data' }) }
    } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $stage 'manifest')
    & tar --create --file (Join-Path $TestDrive 'mp.aci') --owner=0 --group=0 --numeric-owner -C $stage manifest `
        --transform='s,^\.$,rootfs,S' --transform='s,^\./,rootfs/,S' -C $rootfs .
    $script:MpImage = Import-RktImage -LiteralPath (Join-Path $TestDrive 'mp.aci')

    function script:Invoke-TestPod {
        param([Parameter(ValueFromRemainingArguments)] $Rest)
        $Rest = @($Rest | Where-Object { $null -ne $_ })
        $splat = @{}
        for ($i = 0; $i -lt $Rest.Count; $i += 2) { $splat[$Rest[$i].TrimStart('-').TrimEnd(':')] = $Rest[$i + 1] }
        New-RktPod -Image $script:Image.Id @splat | Start-RktPod -Detach -Wait -PassThru
    }
    function script:Get-MountsUnder([string] $Dir) {
        Get-Content /proc/self/mountinfo | ForEach-Object { ($_ -split ' ')[4] } | Where-Object { $_ -like "$Dir*" }
    }
}

AfterAll {
    Get-RktPod -ErrorAction SilentlyContinue | Where-Object State -eq Running | Stop-RktPod -Force -ErrorAction SilentlyContinue
    Get-RktPod -ErrorAction SilentlyContinue | Remove-RktPod -ErrorAction SilentlyContinue
    $PSDefaultParameterValues.Remove('*-Rkt*:DataDirectory')
    if ($script:Data -and -not (Get-MountsUnder $script:Data)) { Remove-Item -Recurse -Force $script:Data -ErrorAction SilentlyContinue }
}

Describe 'Pods with stage1-fly' -Tag 'Integration', 'Privileged' {
    It 'runs a pod to completion and keeps its output and exit code' {
        $pod = Invoke-TestPod
        $pod.State | Should -Be 'Exited'
        $pod.Apps[0].Name | Should -Be 'busybox'
        $pod.Apps[0].ExitCode | Should -Be 0
        $pod.ExitCode | Should -Be 0
        $pod | Get-RktPodLog | Should -Contain 'hello from the pod'
        $pod.Started | Should -Not -BeNullOrEmpty
    }

    It 'propagates a non-zero exit code' {
        (Invoke-TestPod -Exec '/bin/sh', '-c', 'exit 7').Apps[0].ExitCode | Should -Be 7
    }

    It 'sets the app environment, the appc variables and overrides' {
        $pod = Invoke-TestPod -Exec '/bin/sh', '-c', 'echo "$FOO|$AC_APP_NAME|$container|$PATH"' -Environment @{ FOO = 'bar' }
        ($pod | Get-RktPodLog) | Should -Be 'bar|busybox|rkt|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    }

    It 'runs as the user and group named in the image' {
        $pod = Invoke-TestPod -Exec '/bin/sh', '-c', 'echo "$(id -u):$(id -g)"' -User 'app' -Group 'app'
        ($pod | Get-RktPodLog) | Should -Be '1000:1000'
    }

    It 'starts in the working directory' {
        ($pod = Invoke-TestPod -Exec '/bin/pwd' -WorkingDirectory '/tmp') | Out-Null
        ($pod | Get-RktPodLog) | Should -Be '/tmp'
    }

    It 'binds a host volume, writable' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'hostvol')
        Set-Content -LiteralPath (Join-Path $dir 'in.txt') -Value 'from host'
        $pod = Invoke-TestPod -Exec '/bin/sh', '-c', 'cat /data/in.txt; echo from pod > /data/out.txt' `
            -Volume @{ Name = 'data'; Kind = 'host'; Source = $dir.FullName; Path = '/data' }
        $pod.Apps[0].ExitCode | Should -Be 0
        ($pod | Get-RktPodLog) | Should -Be 'from host'
        Get-Content (Join-Path $dir 'out.txt') | Should -Be 'from pod'
    }

    It 'makes a read-only volume really read-only' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'rovol')
        $pod = Invoke-TestPod -Exec '/bin/sh', '-c', 'touch /data/x' `
            -Volume @{ Name = 'data'; Kind = 'host'; Source = $dir.FullName; ReadOnly = $true; Path = '/data' }
        $pod.Apps[0].ExitCode | Should -Not -Be 0
        Join-Path $dir 'x' | Should -Not -Exist
    }

    It 'provides an empty volume' {
        $pod = Invoke-TestPod -Exec '/bin/sh', '-c', 'echo x > /scratch/f && cat /scratch/f' `
            -Volume @{ Name = 'scratch'; Kind = 'empty'; Path = '/scratch' }
        ($pod | Get-RktPodLog) | Should -Be 'x'
        Join-Path $pod.Path 'sharedVolumes/scratch/f' | Should -Exist
    }

    It 'keeps writes of one pod away from the tree store and from another pod of the same image' {
        $a = Invoke-TestPod -Exec '/bin/sh', '-c', 'echo mine > /etc/marker'
        $b = Invoke-TestPod -Exec '/bin/sh', '-c', 'test ! -e /etc/marker'
        $a.Apps[0].ExitCode | Should -Be 0
        $b.Apps[0].ExitCode | Should -Be 0
        Get-ChildItem (Join-Path $script:Data 'cas/tree') -Directory | ForEach-Object { Join-Path $_.FullName 'rootfs/etc/marker' } |
            Where-Object { Test-Path $_ } | Should -BeNullOrEmpty
    }

    It 'copies trees with -NoOverlay and still isolates them' {
        $pod = New-RktPod -Image $script:Image.Id -NoOverlay -Exec '/bin/sh', '-c', 'echo c > /etc/c; cat /etc/c' | Start-RktPod -Detach -Wait -PassThru
        $pod.Overlay | Should -BeFalse
        ($pod | Get-RktPodLog) | Should -Be 'c'
    }

    It 'prepares, then runs later, by name' {
        $pod = New-RktPod -Image 'example.com/busybox:1.0' -Name 'later'
        $pod.State | Should -Be 'Prepared'
        (Get-RktPod -Id 'later').Id | Should -Be $pod.Id
        $done = Start-RktPod -Id 'later' -Detach -Wait -PassThru
        $done.State | Should -Be 'Exited'
    }

    It 'stops a running pod with SIGTERM' {
        $pod = New-RktPod -Image $script:Image.Id -Exec '/bin/sleep', '1000' | Start-RktPod -Detach -PassThru
        $pod.State | Should -Be 'Running'
        $pod.Pid | Should -BeGreaterThan 0
        $stopped = $pod | Stop-RktPod -Timeout 5 -PassThru
        $stopped.State | Should -Be 'Exited'
        $stopped.Apps[0].ExitCode | Should -Be 143
    }

    It 'collects a pod whose stage1 was killed with SIGKILL, and leaves no mounts' {
        $pod = New-RktPod -Image $script:Image.Id -Exec '/bin/sleep', '1000' | Start-RktPod -Detach -PassThru
        $pgid = [int](Get-Content (Join-Path $pod.Path 'pgid'))
        & kill -9 -- "-$pgid"
        (Wait-RktPod -Id $pod.Id -Timeout 10 -PassThru).State | Should -Be 'Exited'
        Get-MountsUnder $pod.Path | Should -Not -BeNullOrEmpty   # overlays stay until gc, as in rkt
        $removed = Invoke-RktGarbageCollection -GracePeriod 0 -PassThru
        $removed.Id | Should -Contain $pod.Id
        Get-RktPod -Id $pod.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-MountsUnder (Join-Path $script:Data 'pods') | Where-Object { $_ -like "*$($pod.Id)*" } | Should -BeNullOrEmpty
    }

    It 'removes an exited pod with its mounts' {
        $pod = Invoke-TestPod
        $pod | Remove-RktPod
        Test-Path $pod.Path | Should -BeFalse
        Get-MountsUnder (Join-Path $script:Data 'pods') | Where-Object { $_ -like "*$($pod.Id)*" } | Should -BeNullOrEmpty
    }

    It 'runs attached by default and returns when the pod exits' {
        $pod = New-RktPod -Image $script:Image.Id -Exec '/bin/sh', '-c', 'exit 5' | Start-RktPod -PassThru
        $pod.State | Should -Be 'Exited'
        $pod.Apps[0].ExitCode | Should -Be 5
        Join-Path $pod.Path 'logs/busybox.log' | Should -Not -Exist   # attached output went to the terminal
    }

    It 'kills an app that ignores SIGTERM once -Timeout has passed' {
        $pod = New-RktPod -Image $script:Image.Id -Exec '/bin/sh', '-c', "trap '' TERM; while true; do sleep 1; done" | Start-RktPod -Detach -PassThru
        Start-Sleep -Milliseconds 300   # let the shell install its trap
        $stopped = $pod | Stop-RktPod -Timeout 1 -PassThru
        $stopped.State | Should -Be 'Exited'
        $stopped.Apps[0].ExitCode | Should -Be 137
    }

    It 'selects the stage1 by path and by ID' {
        $aci = Join-Path (Split-Path $env:RKTPS_MODULE) 'stage1/stage1-fly.aci'
        $byPath = New-RktPod -Image $script:Image.Id -Stage1 $aci
        $byId = New-RktPod -Image $script:Image.Id -Stage1 $byPath.Stage1ImageId.Substring(0, 20)
        $byId.Stage1ImageId | Should -Be $byPath.Stage1ImageId
        ($byId | Start-RktPod -Detach -Wait -PassThru).ExitCode | Should -Be 0
        $byPath | Remove-RktPod
    }

    It 'falls back to copying, with a warning, when the data directory cannot hold overlay layers' {
        # An overlay's merged view cannot be another overlay's upper layer: a data directory inside one fails the probe.
        $base = Join-Path $TestDrive 'ovl'
        foreach ($d in 'lower', 'upper', 'work', 'merged') { $null = New-Item -ItemType Directory -Force (Join-Path $base $d) }
        & mount -t overlay overlay -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" "$base/merged"
        try {
            $data = Join-Path $base 'merged/data'
            Import-RktImage -LiteralPath $script:Aci -DataDirectory $data | Out-Null
            $pod = New-RktPod -Image $script:Image.Id -DataDirectory $data -WarningVariable warn -WarningAction SilentlyContinue
            ($warn -join ' ') | Should -Match 'overlay is not available'
            $pod.Overlay | Should -BeFalse
            $done = $pod | Start-RktPod -Detach -Wait -PassThru -DataDirectory $data
            $done.ExitCode | Should -Be 0
            $done | Remove-RktPod -DataDirectory $data
        }
        finally {
            & umount -l "$base/merged"
        }
    }

    It 'acts on the data directory a piped object came from' {
        $saved = $PSDefaultParameterValues['*-Rkt*:DataDirectory']
        $PSDefaultParameterValues.Remove('*-Rkt*:DataDirectory')
        try {
            $pod = Get-RktImage -Id $script:Image.Id -DataDirectory $saved | New-RktPod
            $pod.DataDirectory | Should -Be $saved
            $pod | Remove-RktPod
            Get-RktPod -Id $pod.Id -DataDirectory $saved -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { $PSDefaultParameterValues['*-Rkt*:DataDirectory'] = $saved }
    }

    It 'leaves state alone with -WhatIf' {
        $pod = New-RktPod -Image $script:Image.Id
        $pod | Remove-RktPod -WhatIf
        (Get-RktPod -Id $pod.Id).State | Should -Be 'Prepared'
        $pod | Start-RktPod -WhatIf
        (Get-RktPod -Id $pod.Id).State | Should -Be 'Prepared'
    }
}

Describe 'Pods of several apps' -Tag 'Integration', 'Privileged' {
    BeforeAll {
        function script:Wait-SharedFile([object] $Pod, [string[]] $Name) {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (@($Name | Where-Object { -not (Test-Path (Join-Path $Pod.Path "sharedVolumes/shared/$_")) }).Count -gt 0) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "timed out waiting for $($Name -join ', ') in pod $($Pod.Id)" }
                Start-Sleep -Milliseconds 20
            }
        }
        $script:Shared = @{ Name = 'shared'; Kind = 'empty'; Path = '/shared' }
    }

    It 'runs two apps sharing an empty volume, with an exit code each and the first failure as the pod''s' {
        $pod = New-RktPod -Volume $script:Shared -App @(
            @{ Image = $script:Image.Id; Name = 'a'; Exec = '/bin/sh', '-c', 'echo from-a > /shared/msg; echo a done' }
            @{ Image = $script:Image.Id; Name = 'b'; Exec = '/bin/sh', '-c', 'i=0; while [ ! -s /shared/msg ]; do i=$((i+1)); [ $i -gt 600 ] && exit 99; sleep 0.05; done; cat /shared/msg; exit 3' }
        ) | Start-RktPod -Detach -Wait -PassThru
        $pod.State | Should -Be 'Exited'
        $pod.Apps.Name | Should -Be 'a', 'b'
        $pod.Apps[0].ExitCode | Should -Be 0
        $pod.Apps[1].ExitCode | Should -Be 3
        $pod.ExitCode | Should -Be 3
        $pod | Get-RktPodLog -App b | Should -Be 'from-a'
        $pod | Get-RktPodLog -App a | Should -Be 'a done'
        Join-Path $pod.Path 'logs/a.log' | Should -Exist
        Join-Path $pod.Path 'logs/b.log' | Should -Exist
    }

    It 'takes the pod exit code from the first failing app in pod order, 0 when all succeed' {
        $pod = New-RktPod -App @(
            @{ Image = $script:Image.Id; Name = 'first'; Exec = '/bin/sh', '-c', 'sleep 0.3; exit 5' }
            @{ Image = $script:Image.Id; Name = 'second'; Exec = '/bin/sh', '-c', 'exit 4' }
        ) | Start-RktPod -Detach -Wait -PassThru
        $pod.Apps.ExitCode | Should -Be 5, 4
        $pod.ExitCode | Should -Be 5
        $ok = New-RktPod -App @(
            @{ Image = $script:Image.Id; Name = 'one'; Exec = '/bin/true' }
            @{ Image = $script:Image.Id; Name = 'two'; Exec = '/bin/true' }
        ) | Start-RktPod -Detach -Wait -PassThru
        $ok.Apps.ExitCode | Should -Be 0, 0
        $ok.ExitCode | Should -Be 0
    }

    It 'enters the app named by -App and stops every app' {
        $pod = New-RktPod -Volume $script:Shared -App @(
            @{ Image = $script:Image.Id; Name = 'a'; Exec = '/bin/sh', '-c', 'echo a > /etc/who; touch /shared/a-ready; sleep 1000' }
            @{ Image = $script:Image.Id; Name = 'b'; Exec = '/bin/sh', '-c', 'echo b > /etc/who; touch /shared/b-ready; sleep 1000' }
        ) | Start-RktPod -Detach -PassThru
        try {
            $pod.State | Should -Be 'Running'
            Wait-SharedFile $pod 'a-ready', 'b-ready'
            { $pod | Enter-RktPod -Command '/bin/true' -ErrorAction Stop } | Should -Throw -ErrorId 'AppRequired,Rkt.PowerShell.Commands.EnterRktPodCommand'
            $pod | Enter-RktPod -App b -Command '/bin/sh', '-c', 'cat /etc/who > /shared/seen-by-b'
            $LASTEXITCODE | Should -Be 0
            $pod | Enter-RktPod -App a -Command '/bin/sh', '-c', 'cat /etc/who > /shared/seen-by-a'
            Get-Content (Join-Path $pod.Path 'sharedVolumes/shared/seen-by-b') | Should -Be 'b'
            Get-Content (Join-Path $pod.Path 'sharedVolumes/shared/seen-by-a') | Should -Be 'a'
        }
        finally { $stopped = $pod | Stop-RktPod -Timeout 5 -PassThru }
        $stopped.State | Should -Be 'Exited'
        $stopped.Apps.ExitCode | Should -Be 143, 143
        $stopped.ExitCode | Should -Be 143
    }

    It 'stops the running app when another app fails to start, and reports the failing app' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'multi-fail')
        $pod = New-RktPod -Volume @{ Name = 'out'; Kind = 'host'; Source = $dir.FullName; Path = '/out' } -App @(
            @{ Image = $script:Image.Id; Name = 'ok'; Exec = '/bin/sh', '-c', 'echo $$ > /out/ok.pid; sleep 1000' }
            @{ Image = $script:Image.Id; Name = 'broken'; Exec = '/bin/sh', '-c', 'true'; WorkingDirectory = '/no/such/dir' }
        )
        { $pod | Start-RktPod -Detach -ErrorAction Stop } | Should -Throw -ErrorId 'Stage1Failed,Rkt.PowerShell.Commands.StartRktPodCommand' -ExpectedMessage '*app broken: working directory /no/such/dir*'
        $after = Wait-RktPod -Id $pod.Id -Timeout 30 -PassThru
        $after.State | Should -Be 'Exited'
        $after.Apps.Count | Should -Be 2
        $after.Apps | Where-Object { $null -ne $_.ExitCode } | Should -BeNullOrEmpty   # a pod whose setup failed records no app status
        $okPid = Join-Path $dir 'ok.pid'
        if (Test-Path $okPid) { Test-Path "/proc/$(Get-Content $okPid)" | Should -BeFalse }
    }
}

Describe 'Pod errors' -Tag 'Integration', 'Privileged' {
    It 'names an unknown image' {
        { New-RktPod -Image 'example.com/nope:9' -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'names an unknown user' {
        { New-RktPod -Image $script:Image.Id -User 'nobody-here' -ErrorAction Stop } | Should -Throw -ErrorId 'UserNotFound,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'names a missing volume source' {
        { New-RktPod -Image $script:Image.Id -Volume @{ Name = 'v'; Kind = 'host'; Source = '/does/not/exist'; Path = '/v' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'VolumeSourceNotFound,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'names a mount point that has no volume' {
        { New-RktPod -Image $script:MpImage.Id -ErrorAction Stop } | Should -Throw -ErrorId 'MissingVolume,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'names a malformed volume as a terminating parameter error' {
        { New-RktPod -Image $script:Image.Id -Volume @{ Name = 'v'; Kind = 'weird' } } |
            Should -Throw -ErrorId 'InvalidManifest,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'names an invalid app name as a non-terminating error' {
        $pod = New-RktPod -App @{ Image = $script:Image.Id; Name = 'Not A Name' } -ErrorAction SilentlyContinue -ErrorVariable err
        $pod | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,Rkt.PowerShell.Commands.NewRktPodCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }
    It 'names an exec path missing in the image' {
        { New-RktPod -Image $script:Image.Id -Exec '/bin/not-there' -ErrorAction Stop } | Should -Throw -ErrorId 'ExecNotFound,Rkt.PowerShell.Commands.NewRktPodCommand'
    }
    It 'refuses to start a pod twice' {
        $pod = Invoke-TestPod
        { $pod | Start-RktPod -Detach -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPodState,Rkt.PowerShell.Commands.StartRktPodCommand'
    }
    It 'refuses to remove a running pod' {
        $pod = New-RktPod -Image $script:Image.Id -Exec '/bin/sleep', '1000' | Start-RktPod -Detach -PassThru
        try {
            { $pod | Remove-RktPod -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPodState,Rkt.PowerShell.Commands.RemoveRktPodCommand'
            (Get-RktPod -Id $pod.Id).State | Should -Be 'Running'
        }
        finally { $pod | Stop-RktPod -Force }
    }
    It 'leaves no pod directory or mount behind after failed prepares' {
        Get-RktPod | Where-Object State -in 'Preparing', 'AbortedPrepare', 'Embryo' | Should -BeNullOrEmpty
    }
    It 'refuses an image that a pod still uses, unless -Force' {
        $pod = New-RktPod -Image $script:Image.Id
        { Remove-RktImage -Id $script:Image.Id -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInUse,Rkt.PowerShell.Commands.RemoveRktImageCommand'
        $pod | Remove-RktPod
    }
}
