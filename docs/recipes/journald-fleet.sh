#!/usr/bin/env bash
# The journald fleet path on one machine: two hosts run spanlog into their own journal, and
# systemd-journal-upload ships each journal to a central systemd-journal-remote, where
# `journalctl --directory` finds every host's annotated lines by their span fields.
#
#   bash docs/recipes/journald-fleet.sh SPANLOG CENTRAL_DIR
#   journalctl --directory CENTRAL_DIR SPAN_TAGS=checkout -o verbose
#
# Hosts are network namespaces (with their own hostname, mount namespace and private
# systemd-journald), joined to the central one by a veth pair each; nothing reaches the
# machine's own journal. Root; needs iproute2 and the systemd-journal-remote package (which
# has both daemons). On real hosts the same two daemons are units: see docs/journald.md,
# "A fleet".
set -euo pipefail
spanlog=$(realpath "$1")
central=$(realpath -m "$2")
port=19532
for tool in /lib/systemd/systemd-journal-remote /lib/systemd/systemd-journal-upload /lib/systemd/systemd-journald; do
    [ -x "$tool" ] || { echo "journald-fleet: $tool is missing (apt-get install systemd-journal-remote)" >&2; exit 2; }
done
prefix=slfleet$$
hosts=(a b)
cleanup() {
    [ -n "${remote_pid:-}" ] && kill "$remote_pid" 2>/dev/null && wait "$remote_pid" 2>/dev/null
    for host in "${hosts[@]}"; do ip netns del "$prefix-$host" 2>/dev/null || true; done
    ip netns del "$prefix-central" 2>/dev/null || true
}
trap cleanup EXIT

# The network: central is 10.77.N.1 towards host N, which is 10.77.N.2.
ip netns add "$prefix-central"
ip -n "$prefix-central" link set lo up
number=0
for host in "${hosts[@]}"; do
    number=$((number + 1))
    ip netns add "$prefix-$host"
    ip -n "$prefix-$host" link set lo up
    ip link add "$prefix$host" type veth peer name "${prefix}c$host"
    ip link set "$prefix$host" netns "$prefix-$host"
    ip link set "${prefix}c$host" netns "$prefix-central"
    ip -n "$prefix-$host" addr add "10.77.$number.2/24" dev "$prefix$host"
    ip -n "$prefix-central" addr add "10.77.$number.1/24" dev "${prefix}c$host"
    ip -n "$prefix-$host" link set "$prefix$host" up
    ip -n "$prefix-central" link set "${prefix}c$host" up
done

# The central host: journal-remote writes one journal file per sending host into $central.
mkdir -p "$central"
ip netns exec "$prefix-central" /lib/systemd/systemd-journal-remote --listen-http="0.0.0.0:$port" \
    --output="$central/" --split-mode=host > "$central/.journal-remote.log" 2>&1 &
remote_pid=$!
for _ in $(seq 100); do
    ip netns exec "$prefix-central" ss -ltn | grep -q ":$port " && break
    sleep 0.1
done

# Each host: a private journald, spanlog writing a few checkout requests into it, then the
# journal shipped to the central host.
number=0
for host in "${hosts[@]}"; do
    number=$((number + 1))
    # nsenter rather than `ip netns exec`, which mounts a new /sys without the cgroup tree
    # journald needs.
    nsenter --net="/run/netns/$prefix-$host" unshare -m -u --propagation private bash -euo pipefail -c '
        host=$1 spanlog=$2 url=$3
        hostname "fleet-$host"
        for dir in /run/systemd /run/log /var/log/journal /var/lib/systemd/journal-upload; do
            mkdir -p "$dir" && mount -t tmpfs tmpfs "$dir"
        done
        mkdir -p /run/systemd/journal
        /lib/systemd/systemd-journald < /dev/null > /dev/null 2>&1 &
        journald=$!
        for _ in $(seq 200); do [ -S /run/systemd/journal/socket ] && journalctl --sync 2>/dev/null && break; sleep 0.05; done
        "$spanlog" run --journald --output json:/dev/null -- bash -c "
            for order in 1 2 3; do
                echo \">:t:checkout:order=\$order:\" > /dev/null
                echo \"charging card for order \$order on $host\"
                echo \"<:t:checkout:status=200:\" > /dev/null
            done"
        journalctl --sync
        /lib/systemd/systemd-journal-upload --url="$url" --directory=/run/log/journal --follow=no \
            --save-state=/var/lib/systemd/journal-upload/state
        kill "$journald"
    ' fleet-host "$host" "$spanlog" "http://10.77.$number.1:$port"
done

# journal-remote closes its files on SIGTERM; then they are read like any journal.
kill "$remote_pid"
wait "$remote_pid" 2>/dev/null || true
remote_pid=
echo "journald-fleet: the central journal is in $central: journalctl --directory $central SPAN_TAGS=checkout"
