#!/usr/bin/env bash
# Collector cost, measured side by side in one run: the same write loop untraced, traced by
# spanlog, untargeted while spanlog traces another process, and under strace.
#   bash Benchmarks/collector/run.sh [WRITES] [ROUNDS]
# Prints the median ns per write of each configuration and spanlog's added cost. With
# BASELINE=/path/to/another/spanlog, that build is measured too, in the same run (to
# compare a change against the commit before it).
set -euo pipefail
cd "$(dirname "$0")/../.."
writes="${1:-200000}"
rounds="${2:-5}"
bash scripts/setup.sh
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
swift build -c release --product spanlog >/dev/null
spanlog="$(swift build -c release --product spanlog --show-bin-path)/spanlog"
work="$(mktemp -d)"
trap 'kill "${tail_pid:-}" "${sleeper:-}" 2>/dev/null || true; rm -rf "$work" /tmp/writebench.dat /tmp/writebench.out' EXIT
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run_once() { # CONFIG MODE: one round, prints ns per write
    local config="$1" mode="$2" result="$work/result"
    # stdout is a pipe everywhere: read by cat untraced, by spanlog itself under `run --no-pty`.
    case "$config" in
        untraced | untargeted) "$work/writebench" "$mode" "$writes" "$result" | cat > /dev/null ;;
        spanlog) "$spanlog" run --format json --no-pty -- "$work/writebench" "$mode" "$writes" "$result" > /dev/null ;;
        baseline) "$BASELINE" run --format json --no-pty -- "$work/writebench" "$mode" "$writes" "$result" > /dev/null ;;
        strace) strace -f -qq -e trace=write,pwrite64 -o /dev/null "$work/writebench" "$mode" "$writes" "$result" | cat > /dev/null ;;
    esac
    cat "$result"
}

# Rounds alternate between the configurations, so the machine's drift (it is shared) falls on
# all of them alike; each figure is the median of its rounds.
measure() { # MODE CONFIG... : prints the medians, in order
    local mode="$1" config
    shift
    for config in "$@"; do : > "$work/rounds.$config"; done
    for _ in $(seq "$rounds"); do
        for config in "$@"; do run_once "$config" "$mode" >> "$work/rounds.$config"; done
    done
    for config in "$@"; do median < "$work/rounds.$config"; done | paste -sd ' '
}

compared=(untraced spanlog strace)
[ -n "${BASELINE:-}" ] && compared+=(baseline)
printf "%-8s %12s %12s %12s %12s%s\n" mode untraced spanlog untargeted strace "${BASELINE:+     baseline}"
for mode in marker socket file stdout other; do
    read -r untraced traced straced baseline <<< "$(measure "$mode" "${compared[@]}")"
    # Untargeted: spanlog is loaded and tracing another process (a sleeper).
    sleep 1000 & sleeper=$!
    "$spanlog" tail --pid "$sleeper" --format json > /dev/null 2> "$work/tail.err" & tail_pid=$!
    until grep -q capturing "$work/tail.err" 2>/dev/null; do sleep 0.05; done
    untargeted=$(measure "$mode" untargeted)
    kill -INT "$tail_pid"; wait "$tail_pid" || true; kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
    [ -n "${baseline:-}" ] && baseline=$(printf " %12s" "$baseline")
    printf "%-8s %12s %12s %12s %12s%s   (ns per write; spanlog adds %s ns, strace %s ns)\n" "$mode" "$untraced" \
        "$traced" "$untargeted" "$straced" "${baseline:-}" "$(awk -v a="$traced" -v b="$untraced" 'BEGIN { printf "%.0f", a - b }')" \
        "$(awk -v a="$straced" -v b="$untraced" 'BEGIN { printf "%.0f", a - b }')"
done

# Line rate: 4 processes writing 250,000 lines each as fast as they can into a log file, through the whole
# pipeline (kernel, engine, JSON) to /dev/null. Loss, if any, is reported, never hidden.
cat > "$work/burst.c" < Tests/SpanlogTestSupport/Workloads/burst.c
gcc -O2 -o "$work/burst" "$work/burst.c"
for size in 8388608 33554432; do
    start=$(date +%s.%N)
    "$spanlog" run --format json --no-pty --ring-buffer-size "$size" -- \
        /bin/sh -c "exec '$work/burst' 4 250000 > '$work/burst.log'" > "$work/burst.jsonl"
    end=$(date +%s.%N)
    lines=$(grep -c '"type":"line"' "$work/burst.jsonl")
    lost=$(grep '"type":"stats"' "$work/burst.jsonl" | sed 's/.*"lost_events":\([0-9]*\).*/\1/')
    awk -v l="$lines" -v s="$start" -v e="$end" -v lost="$lost" -v size="$size" \
        'BEGIN { printf "burst: %d of 1000000 lines in %.2f s = %.0f lines/s, lost events %d (ring %d MiB)\n", l, e - s, l / (e - s), lost, size / 1048576 }'
done
