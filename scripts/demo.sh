#!/usr/bin/env bash
# spanlog's main job on the bundled demo: installs what is missing, builds spanlog, and runs
# the demo workload under `spanlog run`, logs grouped by span. Extra arguments go to spanlog,
# for example: bash scripts/demo.sh --format json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The build's progress lines are the compiler's, not the demo's: they go to a log, shown only
# when the build fails.
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
echo "spanlog demo: building spanlog (the first build takes a few minutes)" >&2
if ! swift build --product spanlog > "$build_log" 2>&1; then
    grep -E 'error:' "$build_log" >&2 || tail -n 40 "$build_log" >&2
    echo "spanlog demo: the build failed (above)" >&2
    exit 1
fi
binary="$(swift build --product spanlog --show-bin-path)/spanlog"
if [ "$#" -eq 0 ]; then set -- --group; fi
rm -f "$build_log"
trap - EXIT
exec "$binary" run "$@" -- bash demo/demo.sh
