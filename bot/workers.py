"""Worker pools: CPU-heavy work (drawing, probing, face checks, transcodes) runs here, off
the event loop, bounded, and below the loop's CPU priority.

The event loop answers every interaction; Discord allows 3 s for that. Run on the default
thread pool (six threads here) CPU-bound work would take both cores from the loop and queue
aiohttp's file reads behind it, so acknowledgements would wait for pictures and probes.
Each :class:`WorkerPool` has a few threads of its own (docs/ARCHITECTURE.md, "Instant under
a burst"), and on Linux its threads run at a lower scheduling priority (``nice`` +10), so
when the machine is busy the loop's thread gets the CPU first and the pools take the rest.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)

NICE = 10  # scheduling priority of pool threads, relative to the loop's (Linux)


def _lower_priority() -> None:
    """Run the calling pool thread at ``NICE`` (Linux schedules threads individually)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # not Linux, or not permitted: keep the default
        log.debug("worker thread priority unchanged")


class WorkerPool:
    """A bounded, low-priority thread pool.

    Args:
        name: thread name prefix (``render``, ``media``, ``preview``).
        workers: tasks run at once; the rest wait their turn without holding anything up.
    """

    def __init__(self, name: str, workers: int = 1) -> None:
        self.name = name
        self.workers = workers
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=name, initializer=_lower_priority
        )

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the pool; its result, or the exception it raised."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish the tasks running, drop the queued ones; safe to call twice."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def spare_cores() -> int:
    """Cores left once the event loop has one (at least 1)."""
    return max(1, (os.cpu_count() or 2) - 1)
