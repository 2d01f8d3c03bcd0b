"""The runner's side of job claims (storage/claims.py; docs/ARCHITECTURE.md "Several
workers"): heartbeats that keep its leases, the fenced create attempt, and when to look
again for a job another runner's lease keeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from storage.claims import ClaimRepository

log = logging.getLogger(__name__)


class Leases:
    """Mixed into :class:`bot.generation.jobs.JobRunner`, which sets these attributes."""

    claims: ClaimRepository
    worker_id: str
    lease_s: float
    tick_s: float
    clock: Callable[[], datetime]
    _running: dict[int, asyncio.Task[None]]
    _delivering: dict[int, asyncio.Task[None]]
    _next_expiry: datetime | None

    async def heartbeat_once(self) -> None:
        """Extend the leases of the jobs this runner drives or delivers; stop driving any
        another runner took over or that was settled elsewhere (a cancel)."""
        held = {*self._running, *self._delivering}
        kept = await self.claims.heartbeat(self.worker_id, held, self._lease_end())
        for job_id in set(self._running) - kept:
            log.warning("job %s is no longer this runner's; it stops driving it", job_id)
            self._running.pop(job_id).cancel()

    async def _beat(self) -> None:
        """Heartbeats every third of the lease, for as long as the runner runs."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.heartbeat_once()
            except Exception:  # the next beat tries again, well inside the lease
                log.exception("job lease heartbeat failed")

    def _next_pass_s(self) -> float:
        """Seconds to the next pass unwoken: the tick, or when another runner's lease ends."""
        left = (self._next_expiry - self.clock()).total_seconds() if self._next_expiry else 1e9
        return min(self.tick_s, max(0.0, left))

    def _lease_end(self) -> datetime:
        """The end of a lease taken or extended now."""
        return self.clock() + timedelta(seconds=self.lease_s)

    async def _start_attempt(self, job_id: int, at: datetime) -> bool:
        """Record the create attempt only while this runner holds the job's claim."""
        return await self.claims.start_attempt(job_id, self.worker_id, at, self._lease_end())
