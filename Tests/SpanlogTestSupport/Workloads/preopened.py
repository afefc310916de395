# Opens /dev/null and its log file, says it is ready, and waits for a line on stdin before
# writing markers and log lines through the descriptors it opened earlier.
# usage: preopened.py LOGFILE
import sys

null = open("/dev/null", "w", buffering=1)
log = open(sys.argv[1], "a", buffering=1)
print("ready", flush=True)
sys.stdin.readline()
null.write(">:t:late-request:user=7:\n")
log.write("written through an fd opened before spanlog\n")
print("stdout through an inherited fd", flush=True)
null.write("<:t:late-request::\n")
