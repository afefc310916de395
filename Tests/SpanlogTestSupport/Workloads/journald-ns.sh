#!/usr/bin/env bash
# Runs a scenario against a private systemd-journald: a new mount namespace with tmpfs over
# /run/systemd, /run/log and /var/log/journal, so nothing reaches or comes from the machine's
# journal. Usage: journald-ns.sh SCENARIO [ARGS…] — the scenario is sourced and may call
# start_journald, stop_journald and dump_journal FILE [MATCHES…].
set -euo pipefail
if [ "${SPANLOG_IN_JOURNAL_NS:-}" != 1 ]; then
    export SPANLOG_IN_JOURNAL_NS=1
    exec unshare -m --propagation private bash "$0" "$@"
fi
mkdir -p /run/systemd /run/log
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi

journald_pid=""
start_journald() {
    mkdir -p /run/systemd/journal
    /lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
    journald_pid=$!
    # Ready once its native socket exists (it creates the socket before serving it).
    for _ in $(seq 200); do
        [ -S /run/systemd/journal/socket ] && journalctl --sync 2>/dev/null && return 0
        sleep 0.05
    done
    echo "journald-ns: systemd-journald did not start" >&2
    return 1
}
stop_journald() {
    kill "$journald_pid"
    wait "$journald_pid" 2>/dev/null || true
    rm -f /run/systemd/journal/socket
}
dump_journal() {
    local file=$1
    shift
    journalctl --sync
    journalctl -o json --all --no-pager "$@" > "$file" || true
}
# Whatever the scenario left running goes with it (SIGKILL: test runners block SIGTERM, and
# their children inherit that).
trap 'jobs -p | xargs -r kill -KILL 2>/dev/null || true' EXIT
scenario=$1
shift
source "$scenario"
