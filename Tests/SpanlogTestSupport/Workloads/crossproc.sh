#!/bin/bash
# A numeric-id span opened by one process and closed by another; a `p` span; and a `t` span
# left open by a process that is killed.
/bin/sh -c 'echo ">:9001:handoff:from=opener:" > /dev/null; echo "opener says hi"'
/bin/sh -c 'echo "closer says hi"; echo "<:9001:handoff:by=closer:" > /dev/null'
/bin/sh -c 'echo ">:p:whole-process::" > /dev/null; echo "inside p span"; echo "<:p:whole-process::" > /dev/null'
/bin/sh -c 'echo ">:p:doomed::" > /dev/null; echo "about to die"; kill -9 $$'
echo "script done"
