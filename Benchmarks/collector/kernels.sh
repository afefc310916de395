#!/usr/bin/env bash
# The collector on other kernels, side by side: boots each kernel series given (default 5.10
# and 6.1) with scripts/kernel-matrix/vmrun.sh and measures, in one guest session per kernel
# and per attach mode, what the verifier checked per program, the start-up of
# `spanlog run -- true`, and the cost of an untraced getppid (spanlog tracing another process)
# and of a traced marker (writebench, ns per system call; medians of ROUNDS).
#   bash Benchmarks/collector/kernels.sh [SERIES...]     (as root, after swift build --build-tests)
# The guests are emulated (TCG): compare figures within one guest, and across guests only in
# direction, never as absolute costs. spanlog is the debug build; the kernel side is the same
# program as in a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
series=("$@")
[ ${#series[@]} -gt 0 ] || series=(5.10 6.1)
rounds=${ROUNDS:-3}
# MODES=tracepoint leaves fexit out: on 5.10 the bounded-loops build's fexit start-up verifies
# the write body once per write system call, minutes in an emulated guest.
modes=${MODES:-fexit tracepoint}
work=$(mktemp -d /var/tmp/spanlog-kernel-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp .build/debug/spanlog "$work/"
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c
export VMRUN_VIRTIOFSD=${VMRUN_VIRTIOFSD:-/usr/local/libexec/vmrun/virtiofsd}

guest=$(cat <<GUEST
cd $work
median() { sort -n | awk '{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }'; }
echo "BENCH kernel \$(uname -r)"
: > none.txt
for r in \$(seq $rounds); do ./writebench other 100000 res; cat res >> none.txt; done
echo "BENCH none getppid \$(median < none.txt)"
for mode in $modes; do
    : > start.txt; : > getppid.txt; : > marker.txt
    for r in \$(seq $rounds); do
        begin=\$(date +%s%N)
        ./spanlog run --attach \$mode --verbose -- true > /dev/null 2> verbose.txt
        echo \$(( (\$(date +%s%N) - begin) / 1000000 )) >> start.txt
        ./spanlog run --attach \$mode --format json -- sleep 60 > /dev/null 2>&1 &
        tracer=\$!
        sleep 3
        ./writebench other 100000 res; cat res >> getppid.txt
        kill -INT \$tracer; wait \$tracer || true
        ./spanlog run --attach \$mode --format json --no-pty -- ./writebench marker 20000 res > /dev/null 2>&1
        cat res >> marker.txt
    done
    echo "BENCH \$mode start_ms \$(median < start.txt)"
    echo "BENCH \$mode getppid \$(median < getppid.txt)"
    echo "BENCH \$mode marker \$(median < marker.txt)"
    echo "BENCH \$mode verified \$(sed -n 's/^spanlog: kernel .*verified instructions: //p' verbose.txt)"
    echo "BENCH \$mode program \$(sed -n 's/^spanlog: kernel [^;]*; BPF program: //p' verbose.txt | sed 's/; verified.*//')"
done
GUEST
)

for name in "${series[@]}"; do
    image=$(bash scripts/kernel-matrix/kernel-image.sh "$name")
    VMRUN_TIMEOUT=${BENCH_TIMEOUT:-1500} VMRUN_MEM=3G bash scripts/kernel-matrix/vmrun.sh "$image" "$guest" 2>&1 \
        | grep '^BENCH ' | sed 's/^BENCH //' || echo "$name: the guest gave no figures"
done
