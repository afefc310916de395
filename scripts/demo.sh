#!/usr/bin/env bash
# spanlog's main job on the bundled demo: installs what is missing, builds spanlog, and runs
# the demo workload under `spanlog run`, logs grouped by span. Extra arguments go to spanlog,
# for example: bash scripts/demo.sh --format json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product spanlog 2>&1 | grep -E 'error|warning: |Compiling spanlog|Build complete' || true
binary="$(swift build --product spanlog --show-bin-path)/spanlog"
if [ "$#" -eq 0 ]; then set -- --group; fi
exec "$binary" run "$@" -- bash demo/demo.sh
