"""Pausing CPython's cyclic garbage collector for bulk work.

A bulk of 10,000 documents keeps about a million container objects alive (the parsed JSON,
the models, the reports) until its last report is built, and none of them is garbage. The
collector does not know that: each time the heap grows by a quarter it scans all of it again.
Parsing 10,000 documents into a list took 166 µs per document with the collector running and
40 µs without it, on this project's benchmark machine (docs/benchmarks.md): more than half the
time budget of bulk verification went to scans that found nothing.

:func:`collector_paused` pauses it for the duration of a block, parsing included where the
caller parses. The collector is process-wide, so pauses are counted: overlapping blocks (two
bulk requests in two threads) resume it when the last one ends, and only if it was running
when the first began. Reference counting frees everything that is not in a cycle as usual;
cycles made during the pause (a traceback that holds its frame, say) wait for the next
collection, so a paused block's extra memory is bounded by the size of the bulk.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


class _Pauses:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._resume = False

    def begin(self) -> None:
        with self._lock:
            if self._open == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._open += 1

    def end(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0 and self._resume:
                gc.enable()


_PAUSES = _Pauses()  # one per process, like the collector it pauses


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (see the module's docstring)."""
    _PAUSES.begin()
    try:
        yield
    finally:
        _PAUSES.end()
