#!/usr/bin/env bash
# Kernel time per traced write of spanlog's sys_exit program, by the kernel's own accounting
# (kernel.bpf_stats_enabled): the writer's 200,000 writes dominate the program's runs while
# the loop runs, so run_time_ns / run_cnt over the loop is the program's cost per write
# (slightly diluted by other processes' system calls, which return at the first compare).
#   bash Benchmarks/collector/progcost.sh [WRITES] [ROUNDS] [OTHER_SPANLOG]
# With OTHER_SPANLOG, that build is measured in alternating rounds too.
set -euo pipefail
cd "$(dirname "$0")/../.."
writes="${1:-200000}"
rounds="${2:-5}"
other="${3:-}"
swift build -c release --product spanlog >/dev/null
spanlog="$(swift build -c release --product spanlog --show-bin-path)/spanlog"
work="$(mktemp -d)"
trap 'sysctl -qw kernel.bpf_stats_enabled=0; rm -rf "$work"' EXIT
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c
sysctl -qw kernel.bpf_stats_enabled=1

# Inside the traced tree: the program's counters before and after the loop.
cat > "$work/probe.sh" <<PROBE
stats() { bpftool prog show name on_sys_exit | sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p'; }
before=\$(stats)
"$work/writebench" "\$1" $writes "$work/result" > "\$2"
after=\$(stats)
echo "\$before \$after" > "$work/counts"
PROBE

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
one() { # BINARY MODE: ns per program run over the loop
    # stdout: spanlog's own pipe (--no-pty); the other modes write where writebench points.
    "$1" run --no-pty --format json -- /bin/bash "$work/probe.sh" "$2" /dev/stdout > /dev/null
    awk '{ printf "%.0f\n", ($3 - $1) / ($4 - $2) }' "$work/counts"
}
printf "%-8s %10s%s\n" mode spanlog "${other:+ $(printf %10s other)}"
for mode in marker stdout file socket; do
    : > "$work/a"; : > "$work/b"
    for _ in $(seq "$rounds"); do
        one "$spanlog" "$mode" >> "$work/a"
        [ -n "$other" ] && one "$other" "$mode" >> "$work/b"
    done
    printf "%-8s %10s%s   (ns of program time per run)\n" "$mode" "$(median < "$work/a")" \
        "${other:+ $(printf %10s "$(median < "$work/b")")}"
done
