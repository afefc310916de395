#!/usr/bin/env bash
# What attaching costs before a program does anything: writebench's marker and non-write
# loops with nothing attached, with an empty program on every system call's exit (where
# spanlog's program sits), with one on syscalls/sys_exit_write (a per-syscall tracepoint), and
# with one at fentry/vfs_write (the write path itself, before the write).
#   bash Benchmarks/collector/floor/run.sh [WRITES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
writes="${1:-500000}"
rounds="${2:-5}"
bash scripts/setup.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The per-syscall tracepoint is found through tracefs, which minimal systems do not mount.
if [ ! -d /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true; fi
here=Benchmarks/collector/floor
clang -target bpf -O2 -g -I/usr/include/"$(gcc -print-multiarch)" -c "$here/empty.bpf.c" -o "$work/empty.o"
gcc -O2 -o "$work/attach" "$here/attach.c" -lbpf
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "refused" }'; }
run_once() { # CONFIG MODE; nothing when the kernel refuses the program (fentry: EPERM on some kernels)
    rm -f "$work/result"
    case "$1" in
        none) "$work/writebench" "$2" "$writes" "$work/result" > /dev/null ;;
        *) "$work/attach" "$work/empty.o" "$1" "$work/writebench" "$2" "$writes" "$work/result" > /dev/null 2>&1 || true ;;
    esac
    cat "$work/result" 2>/dev/null || true
}

configs=(none empty_raw_exit empty_write_exit empty_fentry_write)
printf "%-8s %16s %16s %16s %16s\n" mode nothing "empty sys_exit" "empty exit_write" "empty fentry"
for mode in marker other; do
    for config in "${configs[@]}"; do : > "$work/rounds.$config"; done
    for _ in $(seq "$rounds"); do
        for config in "${configs[@]}"; do run_once "$config" "$mode" >> "$work/rounds.$config"; done
    done
    printf "%-8s" "$mode"
    for config in "${configs[@]}"; do printf " %16s" "$(median < "$work/rounds.$config")"; done
    printf "   (ns per system call)\n"
done
