#!/usr/bin/env bash
# The spanlog demo workload: a deploy-style script with its own span that starts the shop
# service. Run it under spanlog: spanlog run --group -- bash demo/demo.sh
#
# Written so that the script shows only its own lines: no command substitutions (their output
# would be the script's plumbing, not its log), and Debian's python3 rather than a version
# manager's shim script.
set -eu
here=${BASH_SOURCE[0]%/*}
logs=/tmp/spanlog-demo.$$
mkdir -p "$logs"
trap 'rm -rf "$logs"' EXIT
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# A `p` span around the whole script; two tags, so the default rules do not take the script
# itself for a request. Its children's output belongs to it unless they open their own spans.
echo ">:p:demo.script:logs=$logs:" > /dev/null
echo "demo: starting the shop service (log file: $logs/shop.log)"
"$python" "$here/shop.py" "$logs"
mapfile -t shop_log < "$logs/shop.log"
echo "demo: shop finished; ${#shop_log[@]} lines in shop.log"
echo "<:p:demo.script::" > /dev/null
