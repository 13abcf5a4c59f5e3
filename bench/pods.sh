#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pod start latency, side by side in one run: RktPS (New-RktPod | Start-RktPod, and Start-RktPod of a prepared pod,
# both attached so the cmdlet returns when stage1 exits) against chroot, crun, runc and systemd-nspawn on the same
# busybox rootfs running /bin/true. Medians and ratios vs chroot. Not a test: nothing here asserts a timing.
#
# Usage (root): bench/pods.sh            (RUNS=30 by default; WORK=/var/tmp/rktps-bench)
# Needs: the module built into out/RktPS (dotnet pwsh ./build.ps1), hyperfine, crun, runc, systemd-container, busybox-static.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-30}
WORK=${WORK:-/var/tmp/rktps-bench}
PWSH=${PWSH:-"dotnet pwsh"}

# crun 1.8 refuses a hybrid cgroup host; like ../shared/bench/peers.sh, run in a private mount namespace with the
# cgroup2 "unified" hierarchy unmounted (legacy v1 view). Everything mounted here disappears with the namespace.
if [[ -z ${RKTPS_BENCH_NS:-} ]]; then
  exec env RKTPS_BENCH_NS=1 unshare -m --propagation private "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount /sys/fs/cgroup/unified || true; fi

mkdir -p "$WORK" && cd "$WORK"
rm -rf bb bb-nspawn && mkdir -p bb/rootfs/{bin,proc,sys,dev,etc,tmp,root,usr/bin}
cp "$(command -v busybox)" bb/rootfs/bin/busybox
for a in true sh ls cat echo sleep; do ln -s busybox "bb/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > bb/rootfs/etc/passwd
echo 'root:x:0:' > bb/rootfs/etc/group
(cd bb && crun spec && python3 - <<'PY'
import json
c = json.load(open('config.json')); c['process']['terminal'] = False; c['process']['args'] = ['/bin/true']
json.dump(c, open('config.json', 'w'))
PY
)
cp -a bb/rootfs bb-nspawn

# RktPS: one pwsh process, many pods (pwsh start-up, ~0.5 s, is not what is measured).
cat > rktps-bench.ps1 <<PS
\$ErrorActionPreference = 'Stop'
Import-Module '$HERE/out/RktPS/RktPS.psd1'
Import-Module '$HERE/tests/pester/TestHelpers.psm1'
\$data = '$WORK/data'
if (Test-Path \$data) { Remove-Item -Recurse -Force \$data }
\$PSDefaultParameterValues['*-Rkt*:DataDirectory'] = \$data
\$aci = New-RktTestAci -Path '$WORK/bb.aci' -Name example.com/bb -Version 1 -RootfsPath '$WORK/bb/rootfs' -Exec '/bin/true'
\$img = Import-RktImage -LiteralPath \$aci
\$null = New-RktPod -Image \$img.Id | Start-RktPod      # warm-up: renders both trees, JITs the cmdlets
function Median(\$xs) { \$s = @(\$xs | Sort-Object); if (\$s.Count % 2) { \$s[[int][math]::Floor(\$s.Count / 2)] } else { (\$s[\$s.Count / 2 - 1] + \$s[\$s.Count / 2]) / 2 } }
\$run = foreach (\$i in 1..$RUNS) { \$sw = [Diagnostics.Stopwatch]::StartNew(); \$null = New-RktPod -Image \$img.Id | Start-RktPod; \$sw.Elapsed.TotalMilliseconds }
\$pods = foreach (\$i in 1..$RUNS) { New-RktPod -Image \$img.Id }
\$start = foreach (\$p in \$pods) { \$sw = [Diagnostics.Stopwatch]::StartNew(); \$p | Start-RktPod; \$sw.Elapsed.TotalMilliseconds }
\$bad = @(Get-RktPod | Where-Object { \$_.ExitCode -ne 0 }).Count
Get-RktPod | Remove-RktPod
[pscustomobject]@{ run = (Median \$run); start = (Median \$start); failed = \$bad } | ConvertTo-Json -Compress
PS
# `dotnet pwsh` is a local tool: it resolves only inside the repository (.config/dotnet-tools.json).
RKT=$(cd "$HERE" && $PWSH -NoProfile -File "$WORK/rktps-bench.ps1" | tail -1)

hyperfine --style basic -N --ignore-failure --runs "$RUNS" --warmup 5 --export-json peers.json \
  -n chroot "chroot bb/rootfs /bin/true" \
  -n "crun run" "crun run --bundle bb rktps-bench-crun" \
  -n "runc run" "runc run --bundle bb rktps-bench-runc" \
  -n "systemd-nspawn" "systemd-nspawn -D bb-nspawn --quiet --register=no --keep-unit --machine=rktps-bench /bin/true" >/dev/null

python3 - "$RKT" <<'PY'
import json, sys, statistics
rkt = json.loads(sys.argv[1])
rows = [(r['command'], statistics.median(r['times']) * 1000) for r in json.load(open('peers.json'))['results']]
rows += [("RktPS New-RktPod | Start-RktPod (fly)", rkt['run']), ("RktPS Start-RktPod of a prepared pod (fly)", rkt['start'])]
base = dict(rows)['chroot']
print(f"{'command':48} {'median ms':>10} {'vs chroot':>10} {'vs runc':>8}")
for name, ms in rows:
    print(f"{name:48} {ms:10.1f} {ms / base:9.1f}x {ms / dict(rows)['runc run']:7.2f}x")
if rkt['failed']: print(f"warning: {rkt['failed']} RktPS pods did not exit 0")
PY
