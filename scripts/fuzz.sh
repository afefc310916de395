#!/usr/bin/env bash
# Fuzzes spanlog's input parsers (both marker parsers, the marker assembler, the capture decoder
# and the engine behind it) with libFuzzer, through the Swift toolchain's own sanitizers, for
# SECONDS (default 30). The corpus is Fuzz/corpus (committed); new inputs go to a scratch copy.
# A crash leaves its input in .build-fuzz/ and fails; turn it into a regression test.
#
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
out=.build-fuzz
mkdir -p "$out/corpus"
# The core, and the renderers the fuzzer drives the records through, built as one module (their
# `import SpanlogCore` is then moot; the warnings it draws are suppressed, the package build has them).
renderers="Sources/SpanlogOutputs/ByteOutput.swift Sources/SpanlogOutputs/ByteBuffer.swift Sources/SpanlogOutputs/MemoryOutput.swift Sources/SpanlogOutputs/JSON Sources/SpanlogOutputs/Text"
sources=$(find Sources/SpanlogCore $renderers -name '*.swift' | sort)
# Rebuilt only when a source changed.
if [ ! -x "$out/spanlog-fuzz" ] || [ -n "$(find Sources/SpanlogCore $renderers Fuzz/SpanlogFuzz.swift -newer "$out/spanlog-fuzz" -name '*.swift' | head -1)" ]; then
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name SpanlogCore -package-name spanlog -suppress-warnings \
        $sources Fuzz/SpanlogFuzz.swift -o "$out/spanlog-fuzz" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
fi
cp -n Fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
SWIFT_BACKTRACE=enable=no "$out/spanlog-fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" Fuzz/corpus 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|.*crash|.*deadly|artifact)' || true
failures=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
if [ -n "$failures" ]; then
    echo "spanlog fuzz: found inputs that fail (turn each into a regression test, then delete it):" $failures >&2
    exit 1
fi
echo "spanlog fuzz: no failure in $seconds s"
