"""spanlog recipe: Python asyncio. One thread runs every request, so each log record first
says which request's task is running (a switch marker from a logging filter), and each span
says who its parent is before it opens. No library: markers are writes to /dev/null.

Run: spanlog run -- python3 asyncio_service.py [REQUESTS]
"""
import asyncio
import contextvars
import itertools
import logging
import os
import random
import sys

DEVNULL = os.open(os.devnull, os.O_WRONLY)
_current = contextvars.ContextVar("spanlog_span", default=None)  # (id, tags) of the task's span
_ids = itertools.count(1)


def _mark(marker):
    os.write(DEVNULL, marker.encode() + b"\n")  # one write, from the thread that runs the task


def _switch_to_current():
    span = _current.get()
    _mark(f"=:{span[0]}:{span[1]}::" if span else "=:none:::")


class SpanSwitch(logging.Filter):
    """Before each record is written, tell spanlog which span this task works for."""

    def filter(self, record):
        _switch_to_current()
        return True


class span:
    """`with span("db"):` — a span with its own numeric id, nested in the task's current one."""

    def __init__(self, name, **args):
        parent = _current.get()
        self.tags = f"{parent[1]}.{name}" if parent else name
        self.args = ",".join(f"{key}={value}" for key, value in args.items())

    def __enter__(self):
        _switch_to_current()  # the parent is whatever this task works for, not the last task that logged
        self.id = next(_ids)
        _mark(f">:{self.id}:{self.tags}:{self.args}:" if self.args else f">:{self.id}:{self.tags}::")
        self.token = _current.set((self.id, self.tags))
        return self

    def __exit__(self, *exc):
        _mark(f"<:{self.id}:{self.tags}::")
        _current.reset(self.token)


handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
handler.addFilter(SpanSwitch())
log = logging.getLogger("shop")
log.addHandler(handler)
log.setLevel(logging.INFO)


async def handle(number):
    with span("request", n=number):
        log.info("request %d accepted", number)
        await asyncio.sleep(random.uniform(0, 0.02))
        with span("db"):
            log.info("request %d query", number)
            await asyncio.sleep(random.uniform(0, 0.02))
        log.info("request %d done", number)


async def main(count):
    log.info("serving %d requests", count)
    await asyncio.gather(*(handle(number) for number in range(count)))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
