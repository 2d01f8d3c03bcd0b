"""Durable jobs: rows, not tasks. A scheduler runs them on their provider, resumes them
after a restart, and has every outcome posted exactly once.

docs/ARCHITECTURE.md "Jobs survive restarts". A job is a row with a state machine
(``queued → submitted → running → succeeded | failed | cancelled | expired``), its
provider and task id, attempts, a deadline, and the credit hold it owns; every final
transition is one transaction with its ledger entry (capture on success, release
otherwise). Delivery has its own small machine (``pending → sending → delivered``): before
posting, the job is marked ``sending`` and the first attempt's time kept; the posted message
is recorded by a compare-and-set, once. A ``sending`` job after a crash is handed to the
listener with that time, which posts it so that it appears once (:meth:`JobListener.deliver`:
Discord's nonce, or the channel read from that time).

Scheduling is fair: at most ``max_running`` jobs run at once (``max_running_per_guild`` per
guild); the next job is taken from the member with the fewest running jobs, oldest first,
so one member cannot starve the others. A runner drives and delivers only the jobs it
claimed (storage/claims.py: a lease on the row, kept by heartbeats, taken over when it runs
out), and the claim applies the order and limits, so several runners can share one
database (docs/ARCHITECTURE.md "Several workers").

Polling (docs/ARCHITECTURE.md "Jobs and callbacks"): with ``callbacks`` a task is created
with its job's callback URL and the job waits for it; a callback (``wake_job``) makes the
job poll once, now. Polls otherwise follow :class:`~bot.generation.polling.PollSchedule`,
and a rate limit holds every poll of that provider (:class:`~bot.generation.polling.
ProviderHolds`). A job reports progress only when what the provider says changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.generation.callbacks import CallbackUrls
from bot.generation.cancels import CancelOutcome, CancelTurns, stopped_at_provider
from bot.generation.job import DeliveryState, Job, JobState
from bot.generation.leases import Leases
from bot.generation.listener import JobListeners
from bot.generation.polling import PollSchedule, ProviderHolds, pause
from bot.generation.reconcile import MAX_UNCONFIRMED_CREATES, Creates, reconcile
from bot.hosting.store import MediaStore, MediaUnreachable
from bot.providers.base import Provider, ProviderError, TaskStatus
from bot.words import Phrase, say
from storage.claims import ClaimLimits, ClaimRepository
from storage.ledger import FinalState, LedgerRepository

log = logging.getLogger(__name__)


class JobRunner(JobListeners, Leases):
    """Schedules, drives, resumes and delivers jobs.

    Args:
        ledger: jobs + ledger repository.
        providers: provider name → provider (a job names its provider).
        results_dir: finished videos go to ``results_dir/job-<id>.mp4``.
        media: where assets are fetched from before a create and results are kept
            (:mod:`bot.hosting.store`); by default this machine's ``results_dir.parent``.
        clock: current UTC time (injectable).
        max_running / max_running_per_guild: concurrency bounds.
        poll_backoff_s: wait after a failed poll before polling again.
        tick_s: the scheduler also wakes this often (deadlines, missed wake-ups); each pass
            reads every unfinished job (~30 ms for 1,000), so not too often.
        min_pass_gap_s: wake-ups within this long after a pass share the next pass (a
            burst of 1,000 jobs ending makes a few passes, not 1,000).
        callbacks: the per-job callback URLs, when the bot has a public URL; ``None``:
            every job is polled.
        schedule: the waits between polls.
        holds: provider-wide pauses after a rate limit.
        worker_id: this runner's name in job claims; a runner restarted under the same name
            takes its jobs back at once, another one after their leases run out.
        lease_s: a claim lasts this long past its last heartbeat (every third of it).

    Attributes:
        polls: status polls made since start (benches and tests read it).
        deferred_polls: polls put off because their provider rate-limited us.
    """

    def __init__(
        self,
        ledger: LedgerRepository,
        providers: Mapping[str, Provider],
        results_dir: Path,
        clock: Callable[[], datetime],
        *,
        max_running: int = 4,
        max_running_per_guild: int = 2,
        poll_backoff_s: float = 5.0,
        tick_s: float = 15.0,
        min_pass_gap_s: float = 0.2,
        callbacks: CallbackUrls | None = None,
        schedule: PollSchedule | None = None,
        holds: ProviderHolds | None = None,
        worker_id: str = "main",
        lease_s: float = 60.0,
        media: MediaStore | None = None,
    ) -> None:
        self.ledger = ledger
        self.media = media or MediaStore(results_dir.parent)
        self.providers = providers
        self.results_dir = results_dir
        self.clock = clock
        self.max_running = max_running
        self.max_running_per_guild = max_running_per_guild
        self.poll_backoff_s = poll_backoff_s
        self.tick_s = tick_s
        self.min_pass_gap_s = min_pass_gap_s
        self.callbacks = callbacks
        self.schedule = schedule or PollSchedule()
        self.holds = holds or ProviderHolds()
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.claims = ClaimRepository(ledger.db)
        self.polls = 0
        self.deferred_polls = 0
        JobListeners.__init__(self)
        self.queue_positions: dict[int, int] = {}
        self.provider_status: dict[int, TaskStatus] = {}  # last poll of each running job
        self._running: dict[int, asyncio.Task[None]] = {}
        self._delivering: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._pokes: dict[int, asyncio.Event] = {}  # set: the job polls now
        self._scheduler: asyncio.Task[None] | None = None
        self._heartbeats: asyncio.Task[None] | None = None
        self._next_expiry: datetime | None = None  # another runner's earliest lease end
        self._unlisten: Callable[[], Awaitable[None]] | None = None
        self._creates = Creates(ledger, clock, self._start_attempt)  # left to their cancel
        self._cancels = CancelTurns()

    # Lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler; it first resumes every unfinished or undelivered job."""
        if self._scheduler is None:
            self._scheduler = asyncio.create_task(self._schedule(), name="job-scheduler")
            self._heartbeats = asyncio.create_task(self._beat(), name="job-heartbeats")

    def wake(self) -> None:
        """Something changed (a job queued or finished, the clock moved): schedule now. The
        pass also wakes every running job past its deadline, so it expires now."""
        self._wake.set()

    def wake_job(self, job_id: int) -> bool:
        """Make running job ``job_id`` poll now (a provider called back, at this process's
        web server or, on PostgreSQL, another's: :meth:`ClaimRepository.poke`). Return
        ``False`` when the runner is not driving it (finished, unknown, another process's,
        or not resumed yet — a resumed job polls first anyway). Repeated calls before its
        poll make one poll."""
        if (poke := self._pokes.get(job_id)) is not None:
            poke.set()
        return poke is not None

    async def _pause(self, job_id: int, seconds: float) -> None:
        """Wait ``seconds`` before the next poll, or less if :meth:`wake_job` is called."""
        await pause(self._pokes.get(job_id), seconds)

    async def close(self) -> None:
        """Stop scheduling and driving; unfinished jobs stay in the database for the next
        start."""
        loops = (self._scheduler, self._heartbeats)
        tasks = [t for t in loops if t] + [*self._running.values(), *self._delivering.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._creates.abandon()
        if self._unlisten is not None:
            await self._unlisten()
            self._unlisten = None
        self._scheduler = self._heartbeats = None

    async def cancel(
        self, job_id: int, reason: Phrase, *, refund_anyway: bool = False
    ) -> CancelOutcome:
        """Cancel a job, refunding its hold only when that is honest about money
        (docs/ARCHITECTURE.md "Cancels and money").

        A job the provider never got (queued here) is cancelled and refunded. A job at the
        provider is cancelled there where it can be (``profile.cancels``), and refunded
        when the provider confirms; otherwise it keeps running, is delivered and captured
        ("finishing"): the provider bills it anyway. ``refund_anyway`` (a moderator's
        decision) stops and refunds it regardless; the provider may still bill the server.
        A provider that does not bill (the local preview) is always refunded.

        Meanwhile nothing else drives it and another cancel waits; a create in flight is
        awaited (its HTTP timeout) and an unconfirmed one reconciled: their task is stopped.

        Returns:
            "cancelled" (stopped and refunded), "finishing" (it runs on and will be
            delivered) or "finished" (it had already ended).
        """
        async with self._cancels.turn(job_id):
            return await self._cancel(job_id, reason, refund_anyway)

    async def _cancel(self, job_id: int, reason: Phrase, refund_anyway: bool) -> CancelOutcome:
        task = self._running.pop(job_id, None)
        if task is not None:  # stop driving first, so nothing is sent while we decide
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._creates.settle(job_id)  # its reply names the task to stop
        job = await self.ledger.job(job_id)
        if job is None or not job.active:
            return "finished"
        provider = self.providers.get(job.provider)
        if provider is not None and job.provider_task_id is None and job.submit_started_at:
            with contextlib.suppress(ProviderError):  # can't tell: no task to stop or bill
                await self._reconcile(job, provider, job.submit_started_at)
            job = await self.ledger.job(job_id) or job
        confirmed = await stopped_at_provider(job, provider)
        if not confirmed and not refund_anyway:
            log.info("job %s: the provider can't stop it now; it will finish", job_id)
            self.wake()  # drive it on (the pass resumes it: it polls first)
            return "finishing"
        finished = await self.ledger.finish_job(
            job_id, "cancelled", self.clock(), error=reason.to_json()
        )
        log.info("job %s cancelled (%s)%s", job_id, reason,
                 "" if confirmed else "; refunded though the provider may bill it")  # fmt: skip
        self.wake()
        cancelled = await self.ledger.job(job_id)
        if finished and cancelled is not None:
            for listener in self.listeners:
                try:
                    await listener.job_settled(cancelled)
                except Exception:  # the cancel stands; only the display failed
                    log.exception("showing cancelled job %s failed", job_id)
        return "cancelled" if finished else "finished"

    # Scheduling -------------------------------------------------------------------------

    async def _schedule(self) -> None:
        # PostgreSQL's NOTIFY: jobs queued or ended, and callbacks taken by another process
        self._unlisten = await self.ledger.db.listen_jobs(self.wake, self.wake_job)
        while True:
            self._wake.clear()  # before the pass: a wake() during it must not be lost
            try:
                await self.schedule_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_pass_s())
            await asyncio.sleep(self.min_pass_gap_s)  # let a burst of wake-ups coalesce

    async def schedule_once(self) -> None:
        """One scheduling pass: claim (resume jobs at the provider, admit queued jobs
        fairly, take over expired leases), update queue positions, deliver what is finished.
        The scheduler loop calls it on every wake-up."""
        now = self.clock()
        held = {*self._running, *self._delivering}
        limits = ClaimLimits(self.max_running, self.max_running_per_guild)
        claimed = await self.claims.claim(self.worker_id, now, self._lease_end(), limits, held)
        for job in claimed.active:
            if job.deadline_at is not None and now >= job.deadline_at:
                self.wake_job(job.id)  # it expires at once, not at its next poll
        for job in claimed.jobs:
            if job.active and not self._cancels.deciding(job.id):  # else a cancel decides
                self._drive_later(job)
            elif not job.active:
                self._deliver_soon(job.id)
        self._next_expiry, positions = claimed.next_expiry, claimed.positions
        if positions != self.queue_positions:
            changed = {k for k in positions if positions.get(k) != self.queue_positions.get(k)}
            self.queue_positions = positions
            for waiting_job in claimed.active:
                if waiting_job.id in changed:
                    await self._progress(waiting_job)

    def _drive_later(self, job: Job) -> None:
        job_id = job.id
        poke = self._pokes[job_id] = asyncio.Event()
        task = asyncio.create_task(self._drive(job_id), name=f"job-{job_id}")
        self._running[job_id] = task

        def done(_: asyncio.Task[None]) -> None:
            if self._running.get(job_id) is task:
                del self._running[job_id]
            if self._pokes.get(job_id) is poke:
                del self._pokes[job_id]
            if self.queue_positions:  # a slot is free for a waiting job
                self.wake()

        task.add_done_callback(done)

    # Driving one job --------------------------------------------------------------------

    async def _drive(self, job_id: int) -> None:
        try:
            await self._drive_unsafe(job_id)
        except asyncio.CancelledError:
            raise
        except (ProviderError, MediaUnreachable) as exc:
            await self._fail(job_id, "failed", exc.phrase)
        except Exception:
            log.exception("job %s crashed", job_id)
            await self._fail(job_id, "failed", say("job-crashed"))
        finally:
            self.provider_status.pop(job_id, None)

    async def _drive_unsafe(self, job_id: int) -> None:
        job = await self.ledger.job(job_id)
        if job is None or not job.active:
            return
        provider = self.providers.get(job.provider)
        if provider is None:
            raise ProviderError(say("provider-not-configured"))
        task_id = job.provider_task_id
        attempt_at = job.submit_started_at if task_id is None else None
        unconfirmed = 0  # creates in this drive whose reply broke off
        deadline = job.deadline_at
        reported_running = job.state == JobState.RUNNING
        seed: int | None = None
        callback_url = self._callback_url(job.provider, provider, job_id)
        loop = asyncio.get_running_loop()
        since = loop.time()  # the job's age counts from here: resumed now, or submitted
        last: TaskStatus | None = None
        poke = self._pokes.get(job_id)
        while True:
            if deadline is not None and self.clock() >= deadline:
                if task_id is None and attempt_at is not None:  # find the task to stop
                    with contextlib.suppress(ProviderError):
                        task_id = await self._reconcile(job, provider, attempt_at)
                if task_id and provider.profile.can_cancel:
                    with contextlib.suppress(ProviderError):
                        await provider.cancel(task_id)
                await self._fail(job_id, "expired", say("job-expired"))
                return
            if task_id is None:
                if attempt_at is not None:  # a create whose reply was never read
                    task_id = await self._reconcile(job, provider, attempt_at)
                    if task_id is not None:  # adopted: it may have ended unheard, poll now
                        attempt_at = None
                        since = loop.time()
                        continue
                # Files here for a provider that reads them; URLs of the stored ones otherwise.
                files = await self.media.localise(job.request, fetch=provider.profile.reads_files)
                local = replace(job, request=files)
                attempt_at = self.clock()
                try:
                    created = await self._creates.send(local, provider, callback_url, attempt_at)
                except ProviderError as exc:
                    unconfirmed += exc.unconfirmed
                    if exc.unconfirmed and unconfirmed < MAX_UNCONFIRMED_CREATES:
                        log.warning("job %s: create unconfirmed (%s); reconciling", job_id, exc)
                        continue  # find the task it may have made; never create it blindly
                    raise
                if created is None:  # the job ended meanwhile: nothing sent, or stopped
                    return
                task_id = created
                attempt_at = None
                log.info("job %s submitted to %s as %s", job_id, provider.profile.name, task_id)
                since = loop.time()
                if callback_url is not None:  # wait for the callback (or the fallback poll)
                    await self._progress(job)  # the card says "submitted" meanwhile
                    await self._pause(job_id, self._wait(provider, 0.0, callback_url))
                    continue
            held = self.holds.remaining(job.provider)
            if held > 0:  # the provider rate-limited us: no poll of it until then
                self.deferred_polls += 1
                if poke is not None:
                    poke.clear()  # the poll after the hold answers a callback made during it
                await self._pause(job_id, held * (1 + 0.1 * random.random()))
                continue
            if poke is not None:
                poke.clear()  # a callback from now on means "poll again"
            self.polls += 1
            try:
                status = await provider.poll(task_id)
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                if exc.rate_limited:
                    pause = self.holds.hold(job.provider, exc.retry_after)
                    log.warning(
                        "job %s: %s rate-limits status polls; all of them wait %.0f s",
                        job_id, job.provider, pause,
                    )  # fmt: skip
                else:
                    pause = self.poll_backoff_s
                    log.warning("job %s: poll failed, retrying: %s", job_id, exc)
                await self._pause(job_id, pause)
                continue
            if status.state == "lost":
                log.warning(
                    "job %s: %s lost task %s; submitting again", job_id, job.provider, task_id
                )
                await self.ledger.forget_task(job_id, self.clock())
                task_id = None
                continue
            if status.state == "failed":
                raise status.error or ProviderError(say("provider-failed"))
            if status.state == "succeeded":
                seed = status.seed
                break
            if status.state == "running" and not reported_running:
                reported_running = True
                await self.ledger.set_job_state(job_id, "running", self.clock())
            self.provider_status[job_id] = status
            if status != last:  # report only what changed: most polls say "still running"
                if status.progress is not None and (
                    last is None or status.progress != last.progress
                ):
                    await self.ledger.set_progress(job_id, status.progress)
                await self._progress(job)
                last = status
            await self._pause(job_id, self._wait(provider, loop.time() - since, callback_url))
        out = self.results_dir / f"job-{job_id}.mp4"
        await provider.download(task_id, out)
        key = await self.media.put(out)  # unreachable: failed and refunded, as a create
        finished = await self.ledger.finish_job(
            job_id, "succeeded", self.clock(), result_path=key, seed=seed,
            worker=self.worker_id,
        )  # fmt: skip
        if finished:  # else it ended elsewhere, or was taken over: its holder delivers it
            log.info("job %s succeeded: %s", job_id, out)
        self._deliver_soon(job_id)

    async def _reconcile(self, job: Job, provider: Provider, attempt_at: datetime) -> str | None:
        """See :func:`bot.generation.reconcile.reconcile`; the job's card is told when a
        task is adopted."""
        adopted = await reconcile(job, provider, self.ledger, attempt_at, self.clock())
        if adopted is not None:
            await self._progress(job)
        return adopted

    def _callback_url(self, name: str, provider: Provider, job_id: int) -> str | None:
        """The URL ``provider`` should call back at for this job, or ``None`` (no public
        URL, a provider that can't call back, or one that refuses the URL)."""
        if self.callbacks is None or provider.callbacks is None:
            return None
        url = self.callbacks.url(name, job_id)
        return url if provider.callbacks.accepts(url) else None

    def _wait(self, provider: Provider, age_s: float, callback_url: str | None) -> float:
        return self.schedule.wait(
            age_s, provider.profile.poll_interval_s, callback=callback_url is not None
        )

    async def _fail(self, job_id: int, state: FinalState, message: Phrase) -> None:
        finished = await self.ledger.finish_job(
            job_id, state, self.clock(), error=message.to_json(), worker=self.worker_id
        )
        if finished:
            log.info("job %s %s: %s", job_id, state, message)
        self._deliver_soon(job_id)

    # Delivery ---------------------------------------------------------------------------

    def _deliver_soon(self, job_id: int) -> None:
        if job_id in self._delivering:
            return
        task = asyncio.create_task(self._deliver(job_id), name=f"deliver-{job_id}")
        self._delivering[job_id] = task

        def done(_: asyncio.Task[None]) -> None:
            if self._delivering.get(job_id) is task:
                del self._delivering[job_id]

        task.add_done_callback(done)

    async def _deliver(self, job_id: int) -> None:
        if not self._listeners:
            return
        deliverer = self._listeners[0]
        job = await self.ledger.job(job_id)
        if job is None or job.delivery_state == DeliveryState.DELIVERED:
            return
        try:
            if not await self.claims.start_delivery(job_id, self.worker_id, self.clock()):
                return
            # ``job`` as read: a delivery_started_at says an earlier attempt may have posted
            message_id = await deliverer.deliver(job)
            if await self.ledger.finish_delivery(job_id, message_id):
                log.info("job %s delivered as message %s", job_id, message_id)
            await self._settled(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivering job %s failed; will retry", job_id)

    async def _progress(self, job: Job) -> None:
        if not self._listeners:
            return
        latest = await self.ledger.job(job.id)
        if latest is None:
            return
        for listener in self.listeners:
            try:
                await listener.job_progress(latest, self.queue_positions.get(job.id))
            except Exception:
                log.exception("progress update for job %s failed", job.id)
