"""No double tasks: settle a create whose reply was never read (docs/ARCHITECTURE.md "No
double tasks").

The runner records an attempt before it sends a create (``jobs.submit_started_at``). If
the bot dies, or the connection breaks, before the reply (the task id) is stored, the
provider may or may not have made the task. Creating it again could bill twice (no
provider documents de-duplication of creates), so the attempt is reconciled with the
provider's own list of tasks first.
"""

from __future__ import annotations

import contextlib
import logging
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
    safe).

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
        log.info("job %s: its unconfirmed create made no task; creating it", job.id)
        await ledger.clear_attempt(job.id)
        return None
    adopted, *orphans = found
    for orphan in orphans:
        cancelled = False
        if provider.profile.cancels:
            with contextlib.suppress(ProviderError):
                cancelled = await provider.cancel(orphan)
        log.warning("job %s: orphan task %s at %s %s", job.id, orphan, job.provider,
                    "cancelled" if cancelled else "could not be cancelled")  # fmt: skip
    await ledger.mark_submitted(job.id, adopted, now)
    log.info("job %s: adopted task %s from its unconfirmed create", job.id, adopted)
    return adopted
