#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, runs unit and kernel tests.
# Tests that need root or a kernel feature skip with the reason when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Builds the tests and the spanlog binary the collector tests start.
swift build --build-tests
# The parsers under libFuzzer for a bounded time (SPANLOG_FUZZ_SECONDS; 0 skips it).
fuzz_seconds=${SPANLOG_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then bash scripts/fuzz.sh "$fuzz_seconds"; fi
exec swift test --skip-build "$@"
