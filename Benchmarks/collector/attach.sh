#!/usr/bin/env bash
# What each attach mode costs, side by side in one run: ns per getppid and per 8-byte pwrite
# of a process spanlog does not trace (while spanlog traces another one), ns per marker write
# of a traced process, and the start-up of `spanlog run -- true` (the kernel verifying the
# programs), with no spanlog, with --attach tracepoint and with --attach fexit.
#   bash Benchmarks/collector/attach.sh [WRITES] [ROUNDS]          here
#   bash Benchmarks/collector/attach.sh --guests 6.1 7.3 [WRITES] [ROUNDS]
# --guests boots each kernel series under qemu (scripts/kernel-matrix/) and runs the same
# inside: emulated figures, comparable only within one guest's table. Uses the built spanlog
# (release if there is one, else debug; the kernel side is the same BPF object either way).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --guests ]; then
    shift
    series=()
    while [ $# -gt 0 ] && [[ $1 == [0-9]*.* ]]; do series+=("$1"); shift; done
    bash scripts/kernel-matrix/setup-host.sh > /dev/null
    export VMRUN_VIRTIOFSD=${VMRUN_VIRTIOFSD:-/usr/local/libexec/vmrun/virtiofsd}
    for name in "${series[@]}"; do
        image=$(bash scripts/kernel-matrix/kernel-image.sh "$name")
        VMRUN_TIMEOUT=1800 bash scripts/kernel-matrix/vmrun.sh "$image" "bash Benchmarks/collector/attach.sh $*"
    done
    exit 0
fi
writes="${1:-200000}"
rounds="${2:-5}"
spanlog=.build/release/spanlog
[ -x "$spanlog" ] || spanlog=.build/debug/spanlog
[ -x "$spanlog" ] || { echo "attach: build spanlog first (swift build)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'kill "${tail_pid:-}" "${sleeper:-}" 2>/dev/null || true; rm -rf "$work" /tmp/writebench.dat' EXIT
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

untraced() { # MODE: ns per call of an untraced writebench
    "$work/writebench" "$1" "$writes" "$work/result" > /dev/null
    cat "$work/result"
}
traced() { # ATTACH MODE: ns per call of a writebench traced by spanlog
    "$spanlog" run --attach "$1" --format json --no-pty -- "$work/writebench" "$2" "$writes" "$work/result" > /dev/null
    cat "$work/result"
}
# Loads spanlog with ATTACH (tracing a sleeper), or nothing for "none".
load() {
    [ "$1" = none ] && return
    sleep 1000 & sleeper=$!
    "$spanlog" tail --attach "$1" --pid "$sleeper" --format json > /dev/null 2> "$work/tail.err" & tail_pid=$!
    until grep -q capturing "$work/tail.err" 2>/dev/null; do
        kill -0 "$tail_pid" 2>/dev/null || { cat "$work/tail.err" >&2; exit 1; }
        sleep 0.05
    done
}
unload() {
    [ -n "${tail_pid:-}" ] || return 0
    kill -INT "$tail_pid"; wait "$tail_pid" || true; kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
    tail_pid=
}

modes=(none tracepoint fexit)
"$spanlog" run --attach fexit -- true > /dev/null 2>&1 || modes=(none tracepoint)
"$work/writebench" other "$writes" "$work/result" > /dev/null # warm-up
for attach in "${modes[@]}"; do : > "$work/other.$attach"; : > "$work/file.$attach"; : > "$work/marker.$attach"; : > "$work/start.$attach"; done
startup() { # ATTACH: ms for spanlog run -- true
    local began
    began=$(date +%s%N)
    "$spanlog" run --attach "$1" -- true > /dev/null 2>&1
    echo $((($(date +%s%N) - began) / 1000000))
}
# Rounds alternate between the modes, so drift falls on all of them alike.
for _ in $(seq "$rounds"); do
    for attach in "${modes[@]}"; do
        load "$attach"
        untraced other >> "$work/other.$attach"
        untraced file >> "$work/file.$attach"
        unload
        if [ "$attach" = none ]; then
            untraced marker >> "$work/marker.$attach"
            echo - >> "$work/start.$attach"
        else
            traced "$attach" marker >> "$work/marker.$attach"
            startup "$attach" >> "$work/start.$attach"
        fi
    done
done
echo "kernel $(uname -r): ns per call, median of $rounds rounds of $writes"
printf "%-12s %16s %16s %16s %16s\n" attach "untraced getppid" "untraced pwrite" "traced marker" "start-up (ms)"
for attach in "${modes[@]}"; do
    printf "%-12s %16s %16s %16s %16s\n" "$attach" "$(median < "$work/other.$attach")" "$(median < "$work/file.$attach")" \
        "$(median < "$work/marker.$attach")" "$(median < "$work/start.$attach")"
done
