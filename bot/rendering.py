"""The render pool: board and chart pictures are drawn here, off the event loop.

Drawing is CPU-bound (a six-photo board costs ~130 ms of CPU, a chart ~150 ms). Run on the
default thread pool it would queue aiohttp's file reads and every ``asyncio.to_thread``
behind it, so uploads would wait for pictures; run on the loop it would stall every
interaction. :class:`RenderPool` is a small pool of its own (docs/ARCHITECTURE.md,
"Instant under a burst"): at most ``workers`` pictures are drawn at once, the rest wait
their turn without holding anything else up.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class RenderPool:
    """A bounded thread pool for drawing.

    Args:
        workers: pictures drawn at once (default 2: both cores of a small host; each board
            render also decodes its sources on two threads of its own).
    """

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render")

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the pool; its result, or the exception it raised."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish the pictures being drawn, drop the queued ones; safe to call twice."""
        self._pool.shutdown(wait=True, cancel_futures=True)
