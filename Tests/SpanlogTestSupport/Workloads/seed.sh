#!/bin/bash
# The seed example: website-latency spans around curl fetching from a local server.
# usage: seed.sh URL ROUNDS
for round in $(seq 1 "$2"); do
    echo ">::website-latency::" > /dev/null
    curl -s "$1"
    echo "<::website-latency::" > /dev/null
done
