"""Worker pools: CPU-heavy work (drawing, probing, face checks, transcodes) runs here, off
the event loop, bounded, and below the loop's CPU priority.

The event loop answers every interaction; Discord allows 3 s for that. Run on the default
thread pool (six threads here) CPU-bound work would take both cores from the loop and queue
aiohttp's file reads behind it, so acknowledgements would wait for pictures and probes.
Each :class:`WorkerPool` has a few threads of its own (docs/ARCHITECTURE.md, "Instant under
a burst"). On Linux its threads can run at a lower scheduling priority (``nice``, the
``WORKER_NICE`` setting), so the loop's thread gets the CPU first: worth it on a host that
runs only Callsheet, harmful on a shared one (other processes then starve the pools).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)


def _lower_priority(nice: int) -> None:
    """Run the calling pool thread at ``nice`` (Linux schedules threads individually)."""
    if nice <= 0:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError):  # not Linux, or not permitted: keep the default
        log.debug("worker thread priority unchanged")


class WorkerPool:
    """A bounded thread pool, optionally below the loop's priority.

    Args:
        name: thread name prefix (``render``, ``media``, ``preview``).
        workers: tasks run at once; the rest wait their turn without holding anything up.
        nice: the threads' scheduling priority, 0 (the loop's) to 19 (lowest; Linux).
    """

    def __init__(self, name: str, workers: int = 1, *, nice: int = 0) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix=name,
            initializer=_lower_priority,
            initargs=(nice,),
        )
        self._workers = workers
        self._free: asyncio.Semaphore | None = None
        self._gate: Callable[[], Awaitable[None]] | None = None

    def wait_for(self, gate: Callable[[], Awaitable[None]]) -> None:
        """Start each task only once ``gate()`` returns (the Discord layer passes
        :meth:`cogs.handlers.Handlers.quiet`: no acknowledgement in flight). Tasks are
        handed to a thread only when one is free, so a queued task also waits for it."""
        self._gate = gate

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the pool; its result, or the exception it raised."""
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs)
        if self._gate is None:
            return await loop.run_in_executor(self._pool, call)
        if self._free is None:
            self._free = asyncio.Semaphore(self._workers)
        async with self._free:
            await self._gate()
            return await loop.run_in_executor(self._pool, call)

    def close(self) -> None:
        """Finish the tasks running, drop the queued ones; safe to call twice."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def spare_cores() -> int:
    """Cores left once the event loop has one (at least 1)."""
    return max(1, (os.cpu_count() or 2) - 1)
