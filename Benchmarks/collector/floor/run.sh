#!/usr/bin/env bash
# What attaching costs before a program does anything: writebench's marker and non-write
# loops with nothing attached, with an empty program on every system call's exit (where
# spanlog's program sits) and with one on syscalls/sys_exit_write (a per-syscall tracepoint).
#   bash Benchmarks/collector/floor/run.sh [WRITES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
writes="${1:-500000}"
rounds="${2:-5}"
bash scripts/setup.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
here=Benchmarks/collector/floor
clang -target bpf -O2 -g -I/usr/include/"$(gcc -print-multiarch)" -c "$here/empty.bpf.c" -o "$work/empty.o"
gcc -O2 -o "$work/attach" "$here/attach.c" -lbpf
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
run_once() { # CONFIG MODE
    case "$1" in
        none) "$work/writebench" "$2" "$writes" "$work/result" > /dev/null ;;
        *) "$work/attach" "$work/empty.o" "$1" "$work/writebench" "$2" "$writes" "$work/result" > /dev/null ;;
    esac
    cat "$work/result"
}

configs=(none empty_raw_exit empty_write_exit)
printf "%-8s %16s %16s %16s\n" mode nothing "empty sys_exit" "empty exit_write"
for mode in marker other; do
    for config in "${configs[@]}"; do : > "$work/rounds.$config"; done
    for _ in $(seq "$rounds"); do
        for config in "${configs[@]}"; do run_once "$config" "$mode" >> "$work/rounds.$config"; done
    done
    printf "%-8s" "$mode"
    for config in "${configs[@]}"; do printf " %16s" "$(median < "$work/rounds.$config")"; done
    printf "   (ns per system call)\n"
done
