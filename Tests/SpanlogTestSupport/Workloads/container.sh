#!/bin/bash
# A child that moves itself into a container's cgroup and then execs, the way container
# runtimes start a container's process: its span must carry the container id, its parent's
# must not. It waits on FIFO first, so the test can let spanlog see it before it moves.
# usage: container.sh CGROUP_DIR FIFO
echo ">:t:outside::" > /dev/null
echo "outside line"
(
    echo "child ready"
    read -r _ < "$2"
    echo "$BASHPID" > "$1/cgroup.procs"
    exec /bin/sh -c 'echo ">:t:inside::" > /dev/null; echo "inside line"; echo "<:t:inside::" > /dev/null'
)
echo "<:t:outside::" > /dev/null
