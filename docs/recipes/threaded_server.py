"""spanlog recipe: a threaded server. Each request runs on one worker thread from start to
end, so `t` spans (owned by the writing thread) are all it takes: every line the thread
writes while the span is open belongs to it, whichever other requests run meanwhile.

Run: spanlog run -- python3 threaded_server.py [REQUESTS]
"""
import logging
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

DEVNULL = os.open(os.devnull, os.O_WRONLY)


def mark(marker):
    # os.write: one system call by this thread. A shared buffered file could be flushed by
    # another thread, and a `t` marker is about the thread that writes it.
    os.write(DEVNULL, marker.encode() + b"\n")


logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(threadName)s %(message)s")
log = logging.getLogger("server")


def handle(number):
    mark(f">:t:request:n={number}:")
    try:
        log.info("request %d accepted", number)
        time.sleep(random.uniform(0, 0.01))
        if number % 5 == 4:
            log.error("request %d failed", number)
        log.info("request %d done", number)
    finally:
        mark("<:t:request::")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(handle, range(count)))
