"""Acknowledgements before work, in a burst (docs/ARCHITECTURE.md, "Instant under a burst")."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

#: Handlers worked on at once, after their acknowledgements.
SLOTS = 8
#: Longest an acknowledged handler waits for others' acknowledgements before it starts
#: anyway (seconds), so a steady stream of clicks cannot starve the work.
MAX_WAIT_S = 1.0


class Handlers:
    """Orders interaction handling so that every acknowledgement goes out first.

    Every handler acknowledges (Discord allows 3 s) and then works. In a burst of hundreds
    of clicks the work of the first ones (database writes, edits, followups) would share the
    event loop with the acknowledgements of the later ones. So acknowledged work starts only
    while no acknowledgement is in flight (waiting at most :data:`MAX_WAIT_S`), and at most
    ``slots`` handlers work at once; the rest wait their turn, already answered.

    Args:
        slots: handlers worked on at once (default :data:`SLOTS`).
        max_wait_s: seconds a handler waits for acknowledgements in flight before it
            starts anyway.
    """

    def __init__(self, slots: int = SLOTS, max_wait_s: float = MAX_WAIT_S) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._max_wait_s = max_wait_s
        self._acknowledging = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def acknowledging(self) -> int:
        """Acknowledgements in flight."""
        return self._acknowledging

    @contextlib.asynccontextmanager
    async def acknowledgement(self) -> AsyncIterator[None]:
        """Around sending one acknowledgement."""
        self._acknowledging += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._acknowledging -= 1
            if not self._acknowledging:
                self._quiet.set()

    async def quiet(self) -> None:
        """Return once no acknowledgement is in flight, or after :data:`MAX_WAIT_S`.

        Background work awaits it before each step that takes the CPU (a worker pool's
        task, :meth:`bot.workers.WorkerPool.wait_for`), so a burst's acknowledgements do
        not share the two cores and the interpreter with drawing and probing."""
        if self._quiet.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_wait_s):
                await self._quiet.wait()

    @contextlib.asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """Around an acknowledged handler's work: starts once no acknowledgement is in
        flight (or :data:`MAX_WAIT_S` has passed) and a slot is free."""
        await self.quiet()
        async with self._slots:
            yield
