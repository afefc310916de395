"""A small shop service for the spanlog demo: handles a few requests on worker threads.

Each request is a `t` span (`>:t:request:...:` written to /dev/null), with nested `db` and
`payment` spans. It logs to stdout and to a .log file; one request is slow, one fails, and
one runs a child process whose output belongs to the request.
"""
import logging
import os
import random
import subprocess
import sys
import threading
import time

log_directory = sys.argv[1] if len(sys.argv) > 1 else "."
log = logging.getLogger("shop")
handler = logging.FileHandler(os.path.join(log_directory, "shop.log"))
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(message)s"))
log.addHandler(handler)
log.setLevel(logging.INFO)

tracer_lock = threading.Lock()
tracer = open("/dev/null", "w", buffering=1)


def marker(text):
    with tracer_lock:
        tracer.write(text + "\n")


def say(text):
    # One write per line, so lines of concurrent requests never interleave.
    os.write(1, (text + "\n").encode())


def handle(request_id, path, user):
    marker(f">:t:request:id={request_id},path={path},user={user}:")
    say(f"[INFO] request {request_id}: {path} for user {user}")
    log.info("request %d accepted", request_id)

    marker(">:t:request.db:table=orders:")
    time.sleep(0.5 if request_id == 4 else random.uniform(0.01, 0.04))
    say(f"[DEBUG] request {request_id}: loaded {request_id * 3} orders")
    marker("<:t:request.db:rows=%d:" % (request_id * 3))

    status = 200
    if path == "/checkout":
        marker(">:t:request.payment:provider=acme:")
        if request_id == 5:
            say(f"[ERROR] request {request_id}: card declined by acme")
            log.error("request %d payment failed", request_id)
            status = 500
        else:
            say(f"[INFO] request {request_id}: payment authorised")
        marker("<:t:request.payment::")
    if path == "/invoice":
        # A child process: its output belongs to this request's span.
        subprocess.run(["/bin/sh", "-c", f"echo 'rendering invoice {request_id} in a child process'"])

    log.info("request %d done with %d", request_id, status)
    say(f"[INFO] request {request_id}: done with {status}")
    marker(f"<:t:request:status={status}:")


requests = [(1, "/home", 42), (2, "/checkout", 7), (3, "/invoice", 42), (4, "/search", 19),
            (5, "/checkout", 23), (6, "/home", 8)]
threads = [threading.Thread(target=handle, args=request, name=f"worker-{request[0]}") for request in requests]
for thread in threads:
    thread.start()
    time.sleep(0.05)
for thread in threads:
    thread.join()
say("shop: all requests handled")
