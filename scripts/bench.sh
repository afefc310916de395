#!/usr/bin/env bash
# spanlog's benchmark table, in one command (a few minutes; release build):
#   bash scripts/bench.sh           # the table in docs/benchmarks.md
#   bash scripts/bench.sh --quick   # a smoke run with tiny sizes, one round (the tests run it)
# Installs what it needs (strace, bpftrace, hyperfine: Debian packages). Every figure is the
# median of rounds that alternate between the things compared, so the shared machine's drift
# falls on all of them alike. Needs root (it loads BPF programs).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[ "${1:-}" = "--quick" ] && quick=true
if $quick; then
    writes=20000 rounds=1 flood=60000 open_spans=100000 seconds=0.3
    ladder=(20000 80000) writer_counts=(1) replay_lines=20000 startup_runs=2
else
    writes=200000 rounds=5 flood=600000 open_spans=1000000 seconds=2
    ladder=(50000 100000 200000 300000 400000 600000 800000 1200000) writer_counts=(1 2 4)
    replay_lines=1000000 startup_runs=10
fi

bash scripts/setup.sh >/dev/null
missing=()
for tool in strace bpftrace hyperfine; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || echo "bench: could not install ${missing[*]}; their columns say n/a" >&2
fi
have() { command -v "$1" >/dev/null; }
# bpftrace finds tracepoints through tracefs, which minimal systems do not mount.
if [ ! -d /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true; fi

# SPANLOG_BENCH_BIN: a directory with spanlog and spanlog-bench already built (the test suite
# passes its own: a nested `swift build` would wait for the lock the running tests hold).
if [ -n "${SPANLOG_BENCH_BIN:-}" ]; then
    bin="$SPANLOG_BENCH_BIN"
else
    swift build -c release --product spanlog >/dev/null
    swift build -c release --product spanlog-bench >/dev/null
    bin="$(swift build -c release --show-bin-path)"
fi
spanlog="$bin/spanlog"
work="$(mktemp -d)"
cleanup() {
    kill -KILL "${tail_pid:-}" "${sleeper:-}" "${busy:-}" "${receiver:-}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -o "$work/writebench" Benchmarks/collector/writebench.c
gcc -O2 -o "$work/ratewriter" Benchmarks/collector/ratewriter.c

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
rows=()
row() { rows+=("$(printf '| %s | %s |' "$1" "$2")"); }

# --- Cost per system call -------------------------------------------------------------------
one_write() { # CONFIG MODE: ns per system call of writebench's loop (nothing if it failed)
    local config="$1" mode="$2" result="$work/result"
    rm -f "$result"
    case "$config" in
        untraced) "$work/writebench" "$mode" "$writes" "$result" | cat > /dev/null ;;
        spanlog) "$spanlog" run --format json --no-pty --no-default-rules -- "$work/writebench" "$mode" "$writes" "$result" > /dev/null ;;
        strace) strace -f -qq -e trace=write,pwrite64 -o /dev/null "$work/writebench" "$mode" "$writes" "$result" | cat > /dev/null ;;
        bpftrace)
            # The one-liner people write: print each write's buffer.
            bpftrace -q -o /dev/null -e 'tracepoint:syscalls:sys_enter_write /pid == cpid/ { printf("%r\n", buf(args->buf, args->count)); }' \
                -c "$work/writebench $mode $writes $result" > /dev/null 2>&1 ;;
    esac
    cat "$result" 2>/dev/null || true
}
cost() { # MODE CONFIG...: "median median ..." in order
    local mode="$1" config
    shift
    for config in "$@"; do : > "$work/r.$config"; done
    for _ in $(seq "$rounds"); do
        for config in "$@"; do one_write "$config" "$mode" >> "$work/r.$config" || true; done
    done
    for config in "$@"; do median < "$work/r.$config"; done | paste -sd ' '
}
compared=(untraced spanlog)
have bpftrace && compared+=(bpftrace)
have strace && compared+=(strace)
read -r m_untraced m_spanlog m_a m_b <<< "$(cost marker "${compared[@]}")"
m_bpftrace=n/a m_strace=n/a
if have bpftrace; then m_bpftrace=$m_a; have strace && m_strace=$m_b; else have strace && m_strace=$m_a; fi
row "marker write, ns (untraced / spanlog / bpftrace printing the buffer / strace)" \
    "$m_untraced / $m_spanlog / $m_bpftrace / $m_strace"
read -r f_untraced f_spanlog <<< "$(cost file untraced spanlog)"
row "unrelated write (pwrite to a non-log file) of a traced process, ns (untraced / spanlog)" "$f_untraced / $f_spanlog"

# Untraced processes while spanlog traces another one (a sleeper). SIGKILL for helpers: a
# caller (a test runner) may have left SIGTERM blocked in what it starts.
sleep 1000 & sleeper=$!
"$spanlog" tail --pid "$sleeper" --format json > /dev/null 2> "$work/tail.err" & tail_pid=$!
until grep -q capturing "$work/tail.err" 2>/dev/null; do sleep 0.05; done
read -r u_marker <<< "$(cost marker untraced)"
read -r u_other <<< "$(cost other untraced)"
kill -INT "$tail_pid"; wait "$tail_pid" || true; kill -KILL "$sleeper"; wait "$sleeper" 2>/dev/null || true
read -r n_marker n_other <<< "$( (cost marker untraced; cost other untraced) | paste -sd ' ')"
row "untraced process, ns per write / per other system call (nothing loaded → spanlog tracing someone else)" \
    "$n_marker → $u_marker / $n_other → $u_other"

# --- Lossless line rate ---------------------------------------------------------------------
# Offered rates step up until the first loss (lines missing, or lost events reported). A traced
# writer may not reach the rate offered: the rate achieved (lines over the run's time) is what
# the figure reports.
spanlog_loses() { # WRITERS RATE: exit 0 when something was lost; the achieved rate in $work/achieved
    local start end expected lines lost
    start=$(date +%s.%N)
    "$spanlog" run --format json --no-pty --no-default-rules -- "$work/ratewriter" "$1" "$2" "$seconds" > "$work/rate.jsonl"
    end=$(date +%s.%N)
    expected=$(awk -v w="$1" -v r="$2" -v s="$seconds" 'BEGIN { printf "%d", w * int(r / w * s) }')
    lines=$(grep -c '"type":"line"' "$work/rate.jsonl" || true)
    lost=$(grep '"type":"stats"' "$work/rate.jsonl" | sed 's/.*"lost_events":\([0-9]*\).*/\1/')
    awk -v l="$lines" -v s="$start" -v e="$end" 'BEGIN { printf "%d", l / (e - s) }' > "$work/achieved"
    [ "$lines" -lt "$expected" ] || [ "${lost:-0}" -gt 0 ]
}
bpftrace_loses() { # WRITERS RATE
    local start end lines
    start=$(date +%s.%N)
    bpftrace -o "$work/bt.out" -e 'tracepoint:syscalls:sys_enter_write /comm == "ratewriter"/ { printf("%r\n", buf(args->buf, args->count)); }' \
        -c "$work/ratewriter $1 $2 $seconds" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    lines=$(grep -c "^ratewriter" "$work/bt.out" || true)
    awk -v l="$lines" -v s="$start" -v e="$end" 'BEGIN { printf "%d", l / (e - s) }' > "$work/achieved"
    grep -q "^Lost" "$work/bt.out"
}
ladder_result() { # CHECK WRITERS: the highest lossless step (offered, and achieved), and the first that lost
    local best="none" rate
    for rate in "${ladder[@]}"; do
        if "$1" "$2" "$rate"; then echo "$best, loss at $rate offered"; return; fi
        best="$rate offered ($(cat "$work/achieved") achieved)"
    done
    echo "$best, no loss up to there"
}
for writers in "${writer_counts[@]}"; do
    bt=n/a
    have bpftrace && bt=$(ladder_result bpftrace_loses "$writers")
    row "lossless line rate, $writers writer(s), lines/s (spanlog; bpftrace printing each write)" \
        "$(ladder_result spanlog_loses "$writers"); $bt"
done

# --- Marker flood ---------------------------------------------------------------------------
flood_lost() { grep '"type":"stats"' "$1" | sed 's/.*"lost_events":\([0-9]*\).*/\1/'; }
"$spanlog" run --format json --no-pty --no-default-rules -- "$work/writebench" marker "$flood" "$work/result" > "$work/flood.jsonl"
run_lost=$(flood_lost "$work/flood.jsonl")
# record, with the other core kept busy.
( while :; do :; done ) & busy=$!
"$spanlog" record -w "$work/flood.cap" -- "$work/writebench" marker "$flood" "$work/result" > /dev/null 2>&1
kill -KILL "$busy"; wait "$busy" 2>/dev/null || true; busy=
"$spanlog" replay "$work/flood.cap" --format json --no-default-rules > "$work/flood-replay.jsonl" || true
record_lost=$(flood_lost "$work/flood-replay.jsonl")
row "marker flood, $flood markers back to back by one thread: events lost (run --format json / record with the other core busy)" \
    "$run_lost / $record_lost"

# --- Replay ---------------------------------------------------------------------------------
# As many marker events as line events (the lines capture has a span, two markers, per 100
# lines), so both runs pay the same start-up and the rates compare like for like.
line_events=$((replay_lines + replay_lines / 100 * 2))
replay_spans=$((line_events / 2))
"$bin/spanlog-bench" generate "$work/lines.cap" "$replay_lines" > /dev/null
"$bin/spanlog-bench" generate "$work/markers.cap" 0 "$replay_spans" > /dev/null
: > "$work/t.lines"; : > "$work/t.markers"
for _ in $(seq "$rounds"); do
    for kind in lines markers; do
        start=$(date +%s.%N)
        "$spanlog" replay "$work/$kind.cap" --format json --no-default-rules > /dev/null
        end=$(date +%s.%N)
        echo "$end - $start" | bc >> "$work/t.$kind"
    done
done
lines_rate=$(awk -v n="$line_events" -v t="$(median < "$work/t.lines")" 'BEGIN { printf "%d", n / t }')
markers_rate=$(awk -v n="$((replay_spans * 2))" -v t="$(median < "$work/t.markers")" 'BEGIN { printf "%d", n / t }')
row "replay to JSON, events/s (line events / marker events)" "$lines_rate / $markers_rate"

# The OTLP output against JSON on /dev/null, the same capture in alternating rounds, delivery
# included: to a receiver on 127.0.0.1 that reads each request and answers 200.
python3 Tests/SpanlogTestSupport/Workloads/otlp_receiver.py 0 /dev/null --discard > "$work/receiver.out" 2>&1 &
receiver=$!
for _ in $(seq 100); do grep -q listening "$work/receiver.out" && break; sleep 0.05; done
receiver_port=$(awk '/listening/ { print $2 }' "$work/receiver.out")
if [ -n "$receiver_port" ]; then
    : > "$work/t.json"; : > "$work/t.otlp"
    for _ in $(seq "$rounds"); do
        for kind in json otlp; do
            output=json:/dev/null
            [ "$kind" = otlp ] && output="otlp:http://127.0.0.1:$receiver_port"
            start=$(date +%s.%N)
            "$spanlog" replay "$work/lines.cap" --output "$output" --no-default-rules > /dev/null
            end=$(date +%s.%N)
            echo "$end - $start" | bc >> "$work/t.$kind"
        done
    done
    row "replay to OTLP (to a receiver on 127.0.0.1) at this fraction of replay to JSON on /dev/null" \
        "$(awk -v j="$(median < "$work/t.json")" -v o="$(median < "$work/t.otlp")" 'BEGIN { printf "%.2f", j / o }')"
else
    row "replay to OTLP (to a receiver on 127.0.0.1) at this fraction of replay to JSON on /dev/null" "n/a"
fi
# SIGKILL: test runners block SIGTERM, and their children inherit that.
kill -KILL "$receiver" 2>/dev/null || true

# --- spanlog top --------------------------------------------------------------------------
# What the full-screen view costs the session, against JSON to /dev/null: the same workload
# (ratewriter: 100,000 lines/s, a span per 10 lines) under `run --format json` and under `top`
# in a 200x60 tmux terminal, quit with q once the command has ended. spanlog's CPU seconds are
# the shell's count of it and its children less the writer's own (RATEWRITER_RUSAGE).
top_rate=100000 top_seconds=3
$quick && top_rate=20000 top_seconds=0.3
spanlog_cpu() { awk -v r="$(cat "$work/writer.cpu")" '{ printf "%.3f", $1 + $2 - r }' "$work/session.cpu"; }
json_session() {
    RATEWRITER_RUSAGE="$work/writer.cpu" bash -c "TIMEFORMAT='%U %S'; { time '$spanlog' run --format json --no-pty --no-default-rules -- '$work/ratewriter' 1 $top_rate $top_seconds 10 > '$work/top-json.jsonl'; } 2> '$work/session.cpu'"
    spanlog_cpu >> "$work/t.topjson"; echo >> "$work/t.topjson"
}
close_inherited_descriptors() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    return 0
}
top_session() { # ROUND: a tmux server of its own per round
    local socket="spanlog-bench-$$-$1"
    rm -f "$work/session.cpu"
    # The tmux server outlives this function: it must not keep descriptors of whoever runs the
    # benchmark (a test runner waits for its pipes to close), so all but 0-2 are closed first.
    # Nothing waits in the pane after top: the server ends with it, even where the caller's
    # blocked signals would keep a waiting pane (and so the server) alive through kill-server.
    close_inherited_descriptors
    tmux -L "$socket" -f /dev/null new-session -d -s bench -x 200 -y 60 \
        "env RATEWRITER_RUSAGE='$work/writer.cpu' bash -c \"TIMEFORMAT='%U %S'; { time '$spanlog' top --no-pty --no-default-rules -- '$work/ratewriter' 1 $top_rate $top_seconds 10; } 2> '$work/session.cpu.tmp'; mv '$work/session.cpu.tmp' '$work/session.cpu'\"" \
        < /dev/null > /dev/null 2>&1
    for _ in $(seq 600); do tmux -L "$socket" capture-pane -p -t bench 2>/dev/null | grep -q "command exited" && break; sleep 0.1; done
    tmux -L "$socket" capture-pane -p -t bench | grep -o "lost events [0-9,]*" | tr -d , | awk '{ print $3 }' >> "$work/top.lost"
    tmux -L "$socket" send-keys -t bench q
    for _ in $(seq 300); do [ -s "$work/session.cpu" ] && break; sleep 0.1; done
    tmux -L "$socket" kill-server 2>/dev/null || true
    rm -f "/tmp/tmux-$(id -u)/$socket"
    spanlog_cpu >> "$work/t.top"; echo >> "$work/t.top"
}
if have tmux; then
    : > "$work/t.topjson"; : > "$work/t.top"; : > "$work/top.lost"
    for round in $(seq "$rounds"); do json_session; (top_session "$round"); done
    json_cpu=$(median < "$work/t.topjson") top_cpu=$(median < "$work/t.top")
    row "spanlog top in a 200x60 terminal, $top_rate lines/s into $((top_rate / 10)) spans/s: spanlog CPU s (run --format json > /dev/null / top; ratio), events lost by top" \
        "$json_cpu / $top_cpu; $(awk -v j="$json_cpu" -v t="$top_cpu" 'BEGIN { printf "%.2f", t / j }'); $(sort -n "$work/top.lost" | tail -1)"
else
    row "spanlog top in a 200x60 terminal: spanlog CPU s (run --format json > /dev/null / top; ratio), events lost by top" "n/a (no tmux)"
fi
redraw_paths=10000
$quick && redraw_paths=1000
"$bin/spanlog-bench" top-redraw "$redraw_paths" "$((rounds * 2))" > "$work/redraw.out"
row "spanlog top redraw at 200x60, $redraw_paths tag paths, ms median (cold / a span ended on every path / same, sorted by p99)" \
    "$(awk -F'median ' '/median/ { split($2, v, " "); printf "%s%s", sep, v[1]; sep=" / " }' "$work/redraw.out")"

# --- Memory and start-up --------------------------------------------------------------------
peak_kb=$( { /usr/bin/time -f '%M' "$bin/spanlog-bench" open-spans "$open_spans" 1 > /dev/null; } 2>&1 | tail -1)
row "peak RSS with $open_spans open spans (t spans, two args), MiB" "$(awk -v k="$peak_kb" 'BEGIN { printf "%.0f", k / 1024 }')"
if have hyperfine; then
    hyperfine -N --warmup 1 --runs "$startup_runs" --export-json "$work/start.json" "$spanlog run --no-default-rules -- /bin/true" > /dev/null 2>&1
    startup=$(python3 -c "import json; print(round(json.load(open('$work/start.json'))['results'][0]['median'] * 1000))")
else
    for _ in $(seq "$startup_runs"); do
        start=$(date +%s.%N); "$spanlog" run --no-default-rules -- /bin/true > /dev/null 2>&1; end=$(date +%s.%N)
        echo "($end - $start) * 1000" | bc
    done > "$work/t.start"
    startup=$(median < "$work/t.start")
fi
row "start-up: spanlog run -- true, ms" "$startup"

echo "spanlog benchmark — $(date -u +%F), $(uname -r), $(nproc) CPUs$($quick && echo ', --quick (sizes too small to mean anything)')"
echo "| measure | value |"
echo "| --- | --- |"
printf '%s\n' "${rows[@]}"
