#!/bin/bash
# spanlog recipe: shell scripts. bash's echo and printf are builtins, so the script itself
# writes the markers: `p` spans belong to the script, and every command it runs (curl, cp, a
# pipeline's last stage) writes into the innermost one. A script run by /bin/sh that uses
# /bin/echo writes markers from a short-lived echo process: use `pp` (its parent) there.
#
# Run: spanlog run -- bash deploy.sh
set -eu
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

echo ">:p:deploy:release=42:" > /dev/null
echo "deploying release 42"

echo ">:p:deploy.build::" > /dev/null
printf 'int main(void) { return 0; }\n' > "$workdir/app.c"   # a file that is not a log: not output
cc -o "$workdir/app" "$workdir/app.c"
echo "built $(basename "$workdir/app")"                     # the $(…) is not output; this line is
echo "<:p:deploy.build::" > /dev/null

echo ">:p:deploy.upload::" > /dev/null
seq 1 3 | sed 's/^/uploaded part /'                         # only sed's output reaches the outside
echo "upload slow" >&2
echo "<:p:deploy.upload::" > /dev/null

echo "<:p:deploy::" > /dev/null
