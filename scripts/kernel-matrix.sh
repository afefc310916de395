#!/usr/bin/env bash
# The kernel matrix: boots each kernel below under qemu with this machine's root filesystem
# shared read-only (scripts/kernel-matrix/vmrun.sh), runs the collector's kernel tests inside
# once per attach mode, and prints a table kernel × result. Exits 1 when any cell fails.
#
#   bash scripts/kernel-matrix.sh [--quick] [SERIES...]     (as root, after swift build --build-tests)
#
# SERIES are Debian kernel series: 5.10 (bullseye, the floor; not in the default set yet: its
# fexit start-up takes minutes in the emulator, docs/collector.md), 6.1 (bookworm), 6.12 (bookworm-backports), 6.16 (the first
# with private BPF stacks, before the direct descriptor-table load of 6.17) and 7.3
# (trixie-backports) by default. The newest cloud image of each series is fetched once with
# Debian's tools into SPANLOG_KERNEL_CACHE (default /var/tmp/spanlog-kernels) and reused
# (scripts/kernel-matrix/kernel-image.sh).
# --quick runs the tests that load and exercise every part of the program (markers, big marker
# writes, vector writes, capture rules, threads and child processes, --span-io) on fexit and
# on the tracepoint, and leaves out the slower workloads. This machine's own kernel is the
# host row, where the whole suite runs anyway (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
series=()
for argument in "$@"; do
    case $argument in
        --quick) quick=1 ;;
        -*) echo "kernel-matrix: unknown option $argument" >&2; exit 64 ;;
        *) series+=("$argument") ;;
    esac
done
[ ${#series[@]} -gt 0 ] || series=(6.1 6.12 6.16 7.3)

if [ "$(id -u)" -ne 0 ]; then
    echo "kernel-matrix: skipped: needs root to boot kernels with this machine's root filesystem" >&2
    exit 0
fi
[ -x .build/debug/spanlogPackageTests.xctest ] || { echo "kernel-matrix: build the tests first (swift build --build-tests)" >&2; exit 2; }
# The guests see this machine's files live: they run a copy, so a rebuild meanwhile cannot
# change the binaries under them.
snapshot=$(mktemp -d /var/tmp/spanlog-matrix.XXXXXX)
trap 'rm -rf "$snapshot"' EXIT
cp -a .build/debug/spanlogPackageTests.xctest .build/debug/spanlog .build/debug/*.resources "$snapshot"/
tests=$snapshot/spanlogPackageTests.xctest
spanlog=$snapshot/spanlog

bash scripts/kernel-matrix/setup-host.sh > /dev/null
export VMRUN_VIRTIOFSD=${VMRUN_VIRTIOFSD:-/usr/local/libexec/vmrun/virtiofsd}
if [ $quick = 1 ]; then
    filter='KernelLoadTests|CollectorTests/seedExample|CollectorTests/writevPwrite|CollectorTests/numericSpans|MarkerWriteTests/aWriteJustOverOneSlot|CaptureRuleTests/aScriptsPlumbing|SpanIOTests'
else
    filter='KernelLoadTests|CollectorTests/seedExample|CollectorTests/pythonThreads|CollectorTests/writevPwrite|CollectorTests/thirtyTwoBit|CollectorTests/numericSpans|CollectorTests/sigterm|MarkerWriteTests|CaptureRuleTests|SpanIOTests'
fi

# Inside the guest: what the loader picks, then the tests once per attach mode.
guest_command=$(cat <<GUEST
echo "MATRIX kernel \$(uname -r)"
$spanlog run --verbose -- true 2>&1 | sed -n 's/^spanlog: kernel [^;]*; /MATRIX program /p'
for mode in fexit tracepoint; do
    start=\$(date +%s)
    # The test binary itself: swift test would evaluate the package again inside the guest.
    SPANLOG_TEST_CAPTURE_OPTIONS="--attach \$mode" NO_COLOR=1 timeout 900 $tests --testing-library swift-testing \
        --filter '$filter' > /run/matrix-\$mode.log 2>&1
    status=\$?
    summary=\$(sed 's/\x1b\[[0-9;]*m//g' /run/matrix-\$mode.log | grep -E 'Test run with' | tail -1 | sed 's/^.*Test run with //')
    echo "MATRIX \$mode status=\$status seconds=\$((\$(date +%s) - start)) \$summary"
    if [ \$status -ne 0 ]; then sed 's/\x1b\[[0-9;]*m//g' /run/matrix-\$mode.log | grep -E '✘|error:' | head -20 | sed 's/^/MATRIX-DETAIL /'; fi
done
# Nothing else is needed: no bpffs, no tracefs, no locked-memory allowance.
umount /sys/fs/bpf /sys/kernel/debug /sys/kernel/tracing 2>/dev/null
bare=\$( (ulimit -l 0; $spanlog run --format json -- sh -c "echo '>:t:bare:' > /dev/null; echo bare-line; echo '<:t:bare:' > /dev/null") 2>&1)
if grep -q '"text":"bare-line"' <<<"\$bare"; then echo "MATRIX bare pass"; else echo "MATRIX bare FAIL \$(tail -1 <<<"\$bare")"; fi
GUEST
)

results=()
failed=0
for name in "${series[@]}"; do
    image=$(bash scripts/kernel-matrix/kernel-image.sh "$name") || { results+=("$name|fetch failed|-|-|-"); failed=1; continue; }
    started=$(date +%s)
    boot() { VMRUN_TIMEOUT=${SPANLOG_MATRIX_TIMEOUT:-2000} VMRUN_MEM=3G bash scripts/kernel-matrix/vmrun.sh "$image" "$guest_command" 2>&1; }
    output=$(boot) || true
    # An emulated guest that never came up is booted once more: that is qemu, not spanlog.
    if ! grep -q '^MATRIX kernel ' <<<"$output"; then
        echo "kernel-matrix: $name did not boot; trying once more" >&2
        output=$(boot) || true
    fi
    seconds=$(($(date +%s) - started))
    release=$(sed -n 's/^MATRIX kernel //p' <<<"$output")
    program=$(sed -n 's/^MATRIX program //p' <<<"$output" | sed 's/; verified instructions:.*//')
    insns=$(sed -n 's/^MATRIX program .*verified instructions: //p' <<<"$output" | tr ' ' '\n' | cut -d= -f2 | sort -n | tail -1)
    cells=()
    for mode in fexit tracepoint; do
        line=$(grep "^MATRIX $mode " <<<"$output" || true)
        if [ -z "$line" ]; then cells+=("no result"); failed=1
        elif grep -q "status=0 " <<<"$line"; then cells+=("pass ($(sed 's/.*seconds=\([0-9]*\) \([0-9]*\) tests.*/\2 tests, \1 s/' <<<"$line"))")
        else cells+=("FAIL ($(sed 's/.*status=[0-9]* seconds=[0-9]* //' <<<"$line"))"); failed=1; fi
    done
    bare=$(sed -n 's/^MATRIX bare //p' <<<"$output")
    [ "$bare" = pass ] || failed=1
    results+=("${release:-$name (did not boot)}|${program:-?}|${insns:-?}|${cells[0]}|${cells[1]}|${bare:-no result}")
    grep '^MATRIX-DETAIL ' <<<"$output" | sed "s/^MATRIX-DETAIL /  $name: /" >&2 || true
    [ -n "$release" ] || { echo "--- $name: guest output ---" >&2; tail -30 <<<"$output" >&2; }
    echo "kernel-matrix: $name done in ${seconds}s" >&2
done

echo
echo "kernel matrix ($([ $quick = 1 ] && echo quick || echo full)): the collector's kernel tests per kernel and attach mode"
printf '%-28s | %-96s | %-9s | %-22s | %-22s | %s\n' kernel "loaded as (auto)" "max insns" fexit tracepoint \
    "no bpffs/tracefs, memlock 0"
for row in "${results[@]}"; do
    IFS='|' read -r kernel program insns fexit tracepoint bare <<<"$row"
    printf '%-28s | %-96s | %-9s | %-22s | %-22s | %s\n' "$kernel" "$program" "$insns" "$fexit" "$tracepoint" "$bare"
done
total=$(( ${#results[@]} * 3 ))
failures=$(printf '%s\n' "${results[@]}" | { grep -o 'FAIL\|no result\|fetch failed\|did not boot' || true; } | wc -l)
echo "kernel-matrix: $((total - failures)) passed, $failures failed"
exit $failed
