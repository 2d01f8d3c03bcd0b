"""No double tasks: settle a create whose reply was never read (docs/ARCHITECTURE.md "No
double tasks").

The runner records an attempt before it sends a create (``jobs.submit_started_at``). If
the bot dies, or the connection breaks, before the reply (the task id) is stored, the
provider may or may not have made the task. Creating it again could bill twice (no
provider documents de-duplication of creates), so the attempt is reconciled with the
provider's own list of tasks first. A create in flight is left to finish when its job's
drive is stopped (:class:`Creates`), so a cancel learns the task it made; and a job that
has ended never gets a task: no create is sent for it, and one made anyway is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.generation.job import Job
from bot.providers.base import Provider, ProviderError
from bot.words import say
from storage.ledger import LedgerRepository

log = logging.getLogger(__name__)

#: creates in one drive of a job whose reply broke off before the runner gives up (each is
#: reconciled with the provider's task list first)
MAX_UNCONFIRMED_CREATES = 3


async def reconcile(
    job: Job, provider: Provider, ledger: LedgerRepository, attempt_at: datetime, now: datetime
) -> str | None:
    """Adopt the task the unconfirmed create of ``job`` (sent at ``attempt_at``) made,
    recording it as the job's task; cancel any other task it made (an orphan would run and
    bill); or return ``None`` when it made none (the attempt is cleared: creating it is
    safe while the job is still active — :meth:`LedgerRepository.start_attempt` says) or
    when the job ended meanwhile (every task found is then cancelled, none adopted).

    Raises:
        ProviderError: the provider can't list its tasks, so whether the create went
            through can't be told: the job fails with a refund rather than risk paying
            twice (and the operator is told in the log); or the list could not be read.
    """
    found = await provider.find_tasks(job.request, job.id, attempt_at)
    if found is None:
        log.warning(
            "job %s: a create sent to %s at %s was never confirmed and %s can't list "
            "its tasks; not creating it again (check its dashboard for an orphan task)",
            job.id, job.provider, attempt_at.isoformat(), job.provider,
        )  # fmt: skip
        raise ProviderError(say("job-submit-unconfirmed"))
    if not found:
        log.info("job %s: its unconfirmed create made no task", job.id)
        await ledger.clear_attempt(job.id)
        return None
    adopted: str | None = found[0]
    orphans = found[1:]
    if not await ledger.mark_submitted(job.id, found[0], now):
        # The job ended meanwhile (a cancel refunded it): its task is nobody's, and would
        # run and bill for a job nobody pays for, so it is stopped, not delivered.
        log.warning("job %s ended while its unconfirmed create was reconciled", job.id)
        adopted, orphans = None, found
    for orphan in orphans:
        await stop_stray_task(job, provider, orphan)
    if adopted is not None:
        log.info("job %s: adopted task %s from its unconfirmed create", job.id, adopted)
    return adopted


async def stop_stray_task(job: Job, provider: Provider, task_id: str) -> bool:
    """Cancel ``task_id``, a task made for ``job`` that nobody will pay for (an orphan of
    an unconfirmed create, or one made for a job that ended meanwhile), where the provider
    can (``profile.cancels``); return whether it stopped. One that can't be stopped runs
    and bills the server: the operator is told in the log (with the task id)."""
    cancelled = False
    if provider.profile.cancels:
        with contextlib.suppress(ProviderError):
            cancelled = await provider.cancel(task_id)
    log.warning("job %s: stray task %s at %s %s", job.id, task_id, job.provider,
                "cancelled" if cancelled else "could not be cancelled; it may bill")  # fmt: skip
    return cancelled


class Creates:
    """The creates in flight, at most one per job (docs/ARCHITECTURE.md "Cancels and
    money"). A create runs on when the drive that sent it is stopped, so that a cancel
    can wait for its reply (:meth:`settle`) and stop the task it names, instead of
    breaking it off and guessing whether the provider made it."""

    def __init__(
        self,
        ledger: LedgerRepository,
        clock: Callable[[], datetime],
        start_attempt: Callable[[int, datetime], Awaitable[bool]] | None = None,
    ) -> None:
        self.ledger = ledger
        self.clock = clock
        self.start_attempt = start_attempt or ledger.start_attempt  # the runner's is fenced
        self._flying: dict[int, asyncio.Future[str | None]] = {}

    async def send(
        self, job: Job, provider: Provider, callback_url: str | None, attempt_at: datetime
    ) -> str | None:
        """Record the attempt (``attempt_at``, before sending), create the task and record
        it; return its id, or ``None`` when the job has ended (or, with the runner's fenced
        ``start_attempt``, another runner holds its claim): then no create is sent, or
        the task made is stopped (:func:`stop_stray_task`), never run for a refunded job.

        Raises:
            ProviderError: the provider refused it, or its reply never came
                (``unconfirmed``: reconcile before anything is created again).
        """
        if not await self.start_attempt(job.id, attempt_at):
            log.info("job %s ended (or is another runner's) before its create was sent; not"
                     " sending it", job.id)  # fmt: skip
            return None
        create = asyncio.ensure_future(self._create(job, provider, callback_url, attempt_at))
        self._flying[job.id] = create
        try:  # shielded: a stopped drive leaves the create to finish, for its cancel
            return await asyncio.shield(create)
        finally:
            if create.done() and self._flying.get(job.id) is create:
                del self._flying[job.id]

    async def _create(
        self, job: Job, provider: Provider, callback_url: str | None, attempt_at: datetime
    ) -> str | None:
        left = (job.deadline_at - attempt_at).total_seconds() if job.deadline_at else None
        task_id = await provider.submit(job.request, job.id, callback_url, expires_in_s=left)
        if not await self.ledger.mark_submitted(job.id, task_id, self.clock()):
            log.warning("job %s ended while its create was in flight", job.id)
            await stop_stray_task(job, provider, task_id)
            return None
        return task_id

    async def settle(self, job_id: int) -> None:
        """Wait until the job's create in flight (if any) has ended, at most the provider's
        request timeout; its outcome is in the job's row (a task recorded, or an attempt
        left to reconcile). Being cancelled meanwhile does not cancel the create."""
        create = self._flying.pop(job_id, None)
        if create is not None:
            await asyncio.wait({create})
            if not create.cancelled():
                create.exception()  # its drive is gone: the outcome is read from the row

    async def abandon(self) -> None:
        """Cancel every create in flight (shutting down: the next start reconciles them)."""
        flying = list(self._flying.values())
        self._flying.clear()
        for create in flying:
            create.cancel()
        await asyncio.gather(*flying, return_exceptions=True)
