#!/usr/bin/env bash
# Entries per second into journald: spanlog's journald output against systemd-cat feeding the
# same lines, side by side, rounds alternating, in a private journald (its own mount namespace,
# rate limiting off so all deliver everything). Also a minimal C client of sd_journal_sendv
# (native.c) with spanlog's fields and with three: the ceiling of the native protocol, which is
# what spanlog must use to carry fields (systemd-cat's stream transport carries only MESSAGE).
# Prints the median of each and the ratios.
#
#   bash Benchmarks/journald/run.sh [LINES] [ROUNDS]      (root; release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
lines=${1:-100000}
rounds=${2:-3}
if [ "${SPANLOG_IN_JOURNAL_NS:-}" != 1 ]; then
    swift build -c release --product spanlog >/dev/null
    swift build -c release --product spanlog-bench >/dev/null
    export SPANLOG_IN_JOURNAL_NS=1
    exec unshare -m --propagation private bash "$0" "$@"
fi
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
mkdir -p /run/systemd /run/log
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\nRuntimeMaxUse=2G\n' > "$work/journald.conf"
mount --bind "$work/journald.conf" /etc/systemd/journald.conf
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
journald=$!
trap 'kill -KILL $journald 2>/dev/null; rm -rf "$work"' EXIT
until [ -S /run/systemd/journal/socket ] && journalctl --sync 2>/dev/null; do sleep 0.05; done

"$bin/spanlog-bench" generate "$work/lines.cap" "$lines" >/dev/null
"$bin/spanlog" replay "$work/lines.cap" --format json --no-default-rules \
    | python3 -c 'import json,sys
for record in map(json.loads, sys.stdin):
    if record["type"] == "line": print(record["text"])' > "$work/lines.txt"

gcc -O2 -o "$work/native" Benchmarks/journald/native.c -lsystemd

now() { date +%s.%N; }
# Runs "$@", then waits until journald has stored it all; prints entries/s for tag $tag.
rate() {
    local tag=$1
    shift
    local start elapsed stored
    start=$(now)
    "$@"
    journalctl --sync
    elapsed=$(echo "$(now) - $start" | bc -l)
    stored=$(journalctl -o cat -t "$tag" --no-pager | wc -l)
    echo "$stored / $elapsed" | bc -l
}
count() { journalctl --sync; journalctl -o cat "$@" --no-pager | wc -l; }
declare -a spanlog_rates cat_rates native_rates minimal_rates
for round in $(seq "$rounds"); do
    cat_rates+=("$(rate "cat-$round" systemd-cat -t "cat-$round" < "$work/lines.txt")")
    native_rates+=("$(rate "native-$round" "$work/native" "native-$round" < "$work/lines.txt")")
    minimal_rates+=("$(rate "minimal-$round" "$work/native" "minimal-$round" minimal < "$work/lines.txt")")

    start=$(now)
    "$bin/spanlog" replay "$work/lines.cap" --journald --output json:/dev/null --no-default-rules
    journalctl --sync
    elapsed=$(echo "$(now) - $start" | bc -l)
    stored=$(count -t bench-app)
    previous=${spanlog_total:-0}
    spanlog_total=$stored
    spanlog_rates+=("$(echo "($stored - $previous) / $elapsed" | bc -l)")
    echo "round $round: systemd-cat ${cat_rates[-1]%.*}, native C ${native_rates[-1]%.*} (3 fields: ${minimal_rates[-1]%.*}), spanlog ${spanlog_rates[-1]%.*} entries/s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
cat_median=$(median "${cat_rates[@]}")
native_median=$(median "${native_rates[@]}")
minimal_median=$(median "${minimal_rates[@]}")
spanlog_median=$(median "${spanlog_rates[@]}")
printf 'lines per round: %s, medians of %s rounds, entries/s\n' "$lines" "$rounds"
printf '  systemd-cat (stream transport, MESSAGE only):        %8.0f\n' "$cat_median"
printf '  sd_journal_sendv from C, 3 fields:                   %8.0f\n' "$minimal_median"
printf '  sd_journal_sendv from C, spanlog'"'"'s 12 fields:          %8.0f\n' "$native_median"
printf '  spanlog --journald (replay, same lines):             %8.0f\n' "$spanlog_median"
printf 'ratio spanlog/systemd-cat: %.2f; spanlog/native C with the same fields: %.2f\n' \
    "$(echo "$spanlog_median / $cat_median" | bc -l)" "$(echo "$spanlog_median / $native_median" | bc -l)"
