# Threads with their own `t` spans, printing to stdout and logging to a .log file; and a
# process-wide `p` span around everything. usage: threads.py LOGFILE THREADS LINES
import logging, os, sys, threading

log_path, thread_count, line_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
logging.basicConfig(filename=log_path, level=logging.INFO, format="%(levelname)s %(message)s")
tracer = open("/dev/null", "w", buffering=1)  # line-buffered: one marker per write
tracer.write(">:p:batch::\n")

def work(number):
    marker = open("/dev/null", "w", buffering=1)
    marker.write(f">:t:worker.w{number}:n={number}:\n")
    for line in range(line_count):
        # One write per line: print() writes the text and its newline separately, so lines
        # of concurrent threads would interleave on the terminal (and in spanlog's view).
        os.write(1, f"worker w{number} stdout line {line}\n".encode())
        logging.info("worker w%d file line %d", number, line)
    marker.write(f"<:t:worker.w{number}::\n")

threads = [threading.Thread(target=work, args=(n,)) for n in range(thread_count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("main thread done", flush=True)
tracer.write("<:p:batch::\n")
