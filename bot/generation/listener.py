"""What the job runner tells the Discord side (docs/ARCHITECTURE.md "Jobs survive
restarts"): progress, delivery, and finding a delivery after a crash."""

from __future__ import annotations

from typing import Protocol

from bot.generation.job import Job


class JobListener(Protocol):
    """The Discord side of jobs: progress, delivery, and finding a delivery after a crash."""

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        """The job's state, progress or queue position changed (rate-limit edits yourself)."""
        ...

    async def deliver(self, job: Job) -> int:
        """Post a finished job's outcome (video or failure) to its channel; return the
        message id."""
        ...

    async def find_delivery(self, job: Job) -> int | None:
        """The id of an already-posted delivery of ``job`` (after a crash), or ``None``."""
        ...

    async def job_settled(self, job: Job) -> None:
        """The job has ended and its outcome is posted, or needs no post (cancelled):
        update whatever shows the job."""
        ...
