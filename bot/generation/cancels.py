"""Cancels honest about money (docs/ARCHITECTURE.md "Cancels and money"): one cancel of a
job at a time, while no scheduling pass drives it, and whether its provider has stopped it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Literal

from bot.generation.job import Job
from bot.providers.base import Provider, ProviderError

#: what :meth:`JobRunner.cancel` did: stopped and refunded the job, let it run on to be
#: delivered (the provider can't stop it and bills it), or found it already ended
CancelOutcome = Literal["cancelled", "finishing", "finished"]


class CancelTurns:
    """Which jobs a cancel is deciding about (the scheduler leaves them alone, so no pass
    drives one again meanwhile), and one turn at a time per job (a member's and a
    moderator's cancel of one job don't interleave). A lock is kept per job cancelled
    since start (a few bytes each)."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._deciding: set[int] = set()

    def deciding(self, job_id: int) -> bool:
        """Whether a cancel of ``job_id`` is under way."""
        return job_id in self._deciding

    @contextlib.asynccontextmanager
    async def turn(self, job_id: int) -> AsyncIterator[None]:
        """Wait for the job's earlier cancels to end, then hold its turn."""
        async with self._locks.setdefault(job_id, asyncio.Lock()):
            self._deciding.add(job_id)
            try:
                yield
            finally:
                self._deciding.discard(job_id)


async def stopped_at_provider(job: Job, provider: Provider | None) -> bool:
    """Whether cancelling ``job`` costs nothing at its provider: it has no task there,
    the provider does not bill (the preview), or the provider stops it now and confirms
    (``profile.cancels``: Ark only while queued). ``False``: the task runs on and bills."""
    task_id = job.provider_task_id
    if task_id is None or provider is None or not provider.profile.bills:
        return True
    if not provider.profile.cancels:
        return False
    with contextlib.suppress(ProviderError):
        return await provider.cancel(task_id)
    return False
