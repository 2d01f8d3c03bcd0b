"""Running a held job on the provider: submit, poll, download, then capture or release.

The job row and its credit hold are created together (storage.ledger); this module moves
the job through ``queued → submitted → running → succeeded | failed`` and finishes it in
one transaction with its ledger entry: capture on success, release on any failure, so a
failed generation never costs the member anything. Listeners (the Discord layer) are told
the outcome and deliver it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from bot.compiler import GenerationRequest
from bot.providers.base import Provider, ProviderError
from storage.ledger import LedgerRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobTicket:
    """Who and what a job is for.

    Attributes:
        job_id / session_id: database ids.
        guild_id / channel_id / user_id: Discord snowflakes.
        price: credits held.
        request: the compiled request.
    """

    job_id: int
    session_id: int
    guild_id: int
    channel_id: int
    user_id: int
    price: int
    request: GenerationRequest


@dataclass(frozen=True)
class JobOutcome:
    """A finished job.

    Attributes:
        ticket: the job.
        state: "succeeded" (credits captured) or "failed" (credits released).
        result_path: the MP4 on success.
        message: the member-facing reason on failure.
    """

    ticket: JobTicket
    state: Literal["succeeded", "failed"]
    result_path: Path | None = None
    message: str = ""


class JobListener(Protocol):
    """Told when a job finishes (after its ledger entry is written)."""

    async def job_finished(self, outcome: JobOutcome) -> None: ...


class JobRunner:
    """Runs jobs as asyncio tasks.

    Args:
        ledger: jobs + ledger repository.
        provider: the video provider.
        results_dir: finished videos go to ``results_dir/job-<id>.mp4``.
        clock: returns the current UTC time (injectable for tests).
        timeout_s: a job not finished after this many seconds fails with a refund.
    """

    def __init__(
        self,
        ledger: LedgerRepository,
        provider: Provider,
        results_dir: Path,
        clock: Callable[[], datetime],
        timeout_s: float = 1800.0,
    ) -> None:
        self.ledger = ledger
        self.provider = provider
        self.results_dir = results_dir
        self.clock = clock
        self.timeout_s = timeout_s
        self.listeners: list[JobListener] = []
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._provider_tasks: dict[int, str] = {}

    def start(self, ticket: JobTicket) -> asyncio.Task[None]:
        """Run ``ticket`` in the background; the task is kept until it ends."""
        task = asyncio.create_task(self._run(ticket), name=f"job-{ticket.job_id}")
        self._tasks[ticket.job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(ticket.job_id, None))
        return task

    async def cancel(self, job_id: int, reason: str) -> bool:
        """Cancel a queued or running job: stop it here, cancel it at the provider where it
        can, and release its hold. Return ``False`` if it had already finished."""
        task = self._tasks.pop(job_id, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        provider_task = self._provider_tasks.pop(job_id, None)
        if provider_task is not None and self.provider.profile.can_cancel:
            await self.provider.cancel(provider_task)
        finished = await self.ledger.finish_job(job_id, "cancelled", self.clock(), error=reason)
        log.info("job %s cancelled (%s): %s", job_id, reason, finished)
        return finished

    async def close(self) -> None:
        """Stop running jobs here (their holds stay until resumed or released)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, ticket: JobTicket) -> None:
        job = ticket.job_id
        try:
            result = await asyncio.wait_for(self._generate(ticket), self.timeout_s)
        except ProviderError as exc:
            log.info("job %s failed: %s", job, exc)
            await self._finish(ticket, "failed", message=str(exc))
        except TimeoutError:
            log.warning("job %s timed out after %s s", job, self.timeout_s)
            await self._finish(ticket, "failed", message="The provider did not finish in time.")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s crashed", job)
            await self._finish(ticket, "failed", message="Something went wrong on our side.")
        else:
            await self._finish(ticket, "succeeded", result_path=result)

    async def _generate(self, ticket: JobTicket) -> Path:
        provider = self.provider
        task_id = await provider.submit(ticket.request, ticket.job_id)
        self._provider_tasks[ticket.job_id] = task_id
        await self.ledger.set_job_state(ticket.job_id, "submitted", self.clock())
        log.info("job %s submitted to %s as %s", ticket.job_id, provider.profile.name, task_id)
        running = False
        while True:
            status = await provider.poll(task_id)
            if status.state == "failed":
                raise status.error or ProviderError("The provider reported a failure.")
            if status.state == "succeeded":
                break
            if status.state == "running" and not running:
                running = True
                await self.ledger.set_job_state(ticket.job_id, "running", self.clock())
            await asyncio.sleep(provider.profile.poll_interval_s)
        out = self.results_dir / f"job-{ticket.job_id}.mp4"
        await provider.download(task_id, out)
        self._provider_tasks.pop(ticket.job_id, None)
        return out

    async def _finish(
        self,
        ticket: JobTicket,
        state: Literal["succeeded", "failed"],
        result_path: Path | None = None,
        message: str = "",
    ) -> None:
        finished = await self.ledger.finish_job(
            ticket.job_id,
            state,
            self.clock(),
            result_path=str(result_path) if result_path else None,
            error=message or None,
        )
        if not finished:
            return
        outcome = JobOutcome(ticket, state, result_path, message)
        for listener in self.listeners:
            try:
                await listener.job_finished(outcome)
            except Exception:
                log.exception("delivering job %s failed", ticket.job_id)
