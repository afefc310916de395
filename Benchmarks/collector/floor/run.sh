#!/usr/bin/env bash
# What attaching costs before a program does anything, and what the least a copying collector
# must do costs on top: writebench's marker and non-write loops with nothing attached, with an
# empty program on every system call's exit (where spanlog's program sits), with the steps of
# ladder.bpf.c there (find the file; reserve ring space; read the clock; copy 16 bytes), with an
# empty program on syscalls/sys_exit_write (a per-syscall tracepoint), and at fentry/vfs_write
# (the write path itself, before the write; refused by some kernels).
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
clang -target bpf -D__TARGET_ARCH_x86 -O2 -g -I/usr/include/"$(gcc -print-multiarch)" -c "$here/ladder.bpf.c" -o "$work/ladder.o"
gcc -O2 -o "$work/attach" "$here/attach.c" -lbpf
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "refused" }'; }
run_once() { # CONFIG MODE; nothing when the kernel refuses the program (fentry: EPERM on some kernels)
    rm -f "$work/result"
    case "$1" in
        none) "$work/writebench" "$2" "$writes" "$work/result" > /dev/null ;;
        empty_*) "$work/attach" "$work/empty.o" "$1" "$work/writebench" "$2" "$writes" "$work/result" > /dev/null 2>&1 || true ;;
        *) "$work/attach" "$work/ladder.o" "$1" "$work/writebench" "$2" "$writes" "$work/result" > /dev/null 2>&1 || true ;;
    esac
    cat "$work/result" 2>/dev/null || true
}

configs=(none empty_raw_exit find_file reserve reserve_clock reserve_copy reserve_clock_copy empty_write_exit empty_fentry_write)
for config in "${configs[@]}"; do for mode in marker other; do : > "$work/rounds.$config.$mode"; done; done
for _ in $(seq "$rounds"); do
    for mode in marker other; do
        for config in "${configs[@]}"; do run_once "$config" "$mode" >> "$work/rounds.$config.$mode"; done
    done
done
printf "%-20s %12s %12s   (ns per system call, median of %s rounds)\n" program marker other "$rounds"
for config in "${configs[@]}"; do
    printf "%-20s %12s %12s\n" "$config" "$(median < "$work/rounds.$config.marker")" "$(median < "$work/rounds.$config.other")"
done
