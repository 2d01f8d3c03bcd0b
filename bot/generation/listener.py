"""What the job runner tells the Discord side (docs/ARCHITECTURE.md "Jobs survive
restarts"): progress, and delivery exactly once."""

from __future__ import annotations

from typing import Protocol

from bot.generation.job import Job


class JobListener(Protocol):
    """The Discord side of jobs: progress, and delivery exactly once."""

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        """The job's state, progress or queue position changed (rate-limit edits yourself)."""
        ...

    async def deliver(self, job: Job) -> int:
        """Post a finished job's outcome (video or failure) to its channel; return the
        message id. ``job.delivery_started_at`` set means an earlier attempt, then, may
        have posted it (the bot died before recording the message): post so that it
        still appears once, and return the id of the one post."""
        ...

    async def job_settled(self, job: Job) -> None:
        """The job has ended and its outcome is posted, or needs no post (cancelled):
        update whatever shows the job."""
        ...


class JobListeners:
    """The listeners of a job runner, in the order they were added. The first that
    delivers (added with ``delivers=True``, the default) posts finished jobs
    (``deliver``); every one is told ``job_progress`` and ``job_settled``, those that
    only watch (a storyboard moving on when a shot ends) after those that deliver. With no
    delivering listener, jobs run but are not delivered until one is added."""

    def __init__(self) -> None:
        self._listeners: list[JobListener] = []
        self._watchers: list[JobListener] = []

    @property
    def listeners(self) -> tuple[JobListener, ...]:
        """The listeners: those that deliver, then those that only watch, each in the
        order they were added."""
        return (*self._listeners, *self._watchers)

    def add_listener(self, listener: JobListener, *, delivers: bool = True) -> None:
        """Add ``listener`` (once: adding it again changes nothing); ``delivers=False``:
        it is never asked to deliver, only told."""
        if listener not in self.listeners:
            (self._listeners if delivers else self._watchers).append(listener)

    def remove_listener(self, listener: JobListener) -> None:
        """Remove ``listener``; nothing happens if it was not added."""
        for found in (self._listeners, self._watchers):
            if listener in found:
                found.remove(listener)

    async def _settled(self, job: Job) -> None:
        for listener in self.listeners:
            await listener.job_settled(job)
