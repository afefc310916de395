#!/usr/bin/env bash
# The spanlog demo workload: a deploy-style script with its own span that starts the shop
# service. Run it under spanlog: spanlog run --group -- bash demo/demo.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

# A `p` span: the whole script; its children's output belongs to it unless they open their own.
echo ">:p:demo:logs=$logs:" > /dev/null
echo "demo: starting the shop service (log file: $logs/shop.log)"
python3 "$here/shop.py" "$logs"
echo "demo: shop finished; $(wc -l < "$logs/shop.log") lines in shop.log"
echo "<:p:demo::" > /dev/null
