"""Generation: quote a session (compile and price), hold the credits and queue the job, and
look jobs up or cancel them. Caps and the balance are checked in the same transaction as
the hold (storage.ledger), so concurrent clicks never overspend; bans just before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.credits.pricing import PriceBreakdown, price, quote_price
from bot.credits.service import Balance, Credits
from bot.errors import CallsheetError, InsufficientCredits, RolesUnconfirmed, SessionNotFound
from bot.generation.cancels import CancelOutcome
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.guilds.config import Caps
from bot.guilds.service import GuildConfigs
from bot.providers.base import TaskStatus
from bot.providers.registry import ProviderRegistry
from bot.seedance.compiler import GenerationRequest, compile_request, request_to_json
from bot.seedance.limits import Limits
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import get_role
from bot.seedance.session import Session
from bot.sessions.service import Sessions
from bot.words import Phrase, say
from storage.history import HistoryRepository
from storage.ledger import HoldLimits, HoldOutcome, LedgerRepository
from storage.moderation import Ban, BanRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quote:
    """What Generate would send and cost, or why it can't yet.

    Attributes:
        request: the compiled request, or ``None`` when the session does not compile.
        price: credits, when it compiles.
        problem: the member-facing reason it does not compile.
        lints: seed 000 "Common Mistakes" warnings (:mod:`bot.seedance.lint`).
        breakdown: the price's parts (output and billed reference seconds, the rate, the
            video factor), when it compiles.
        blocked: why the owner may not generate at all (a moderator's ban), or ``None``.
    """

    request: GenerationRequest | None
    price: int | None
    problem: Phrase | None = None
    lints: list[Lint] = field(default_factory=list)
    breakdown: PriceBreakdown | None = None
    blocked: Phrase | None = None


@dataclass(frozen=True)
class Affords:
    """What a balance still pays for: ``count`` videos of ``seconds`` s at ``resolution``
    (prompt only), each ``price`` credits."""

    count: int
    seconds: int
    resolution: str
    price: int


@dataclass(frozen=True)
class Started:
    """Generate's outcome: the job id, credits held and what is left, and the session the
    job belongs to (a job built on a result may start in another session)."""

    job_id: int
    price: int
    available: int
    session_id: int


class Generation:
    """The generation service.

    Args:
        sessions: the sessions service (ownership).
        ledger: jobs and the credit ledger. bans: generation bans.
        credits: balances and allowance.
        guild_configs: each guild's configuration (prices, caps).
        providers: the provider each guild uses.
        runner: the job scheduler (woken when a job is queued).
        history: the member's results; results made here (a stitch).
        job_deadline: a job not finished this long after Generate expires with a refund.
        clock: returns the current UTC time.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        ledger: LedgerRepository,
        bans: BanRepository,
        credits: Credits,
        guild_configs: GuildConfigs,
        providers: ProviderRegistry,
        runner: JobRunner,
        job_deadline: timedelta,
        clock: Callable[[], datetime],
        history: HistoryRepository,
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.bans = bans
        self.credits = credits
        self.guild_configs = guild_configs
        self.providers = providers
        self.runner = runner
        self.job_deadline = job_deadline
        self.clock = clock
        self.history = history

    async def quote(self, session: Session) -> Quote:
        """Compile ``session`` for the active provider and price it at the guild's prices;
        say when its owner is banned (as this process knows it: no database read)."""
        ban = self.bans.known(session.guild_id, session.user_id, self.clock())
        blocked = _banned(ban) if ban is not None else None
        try:
            config = await self.guild_configs.get(session.guild_id)
            profile = self.providers.for_config(config).profile
            request = compile_request(session, profile.dialect, profile.limits)
            cost = quote_price(request, config.prices, profile.offer(request.model))
        except CallsheetError as exc:
            return Quote(None, None, exc.phrase, lint(session, None), blocked=blocked)
        lints = lint(session, request, profile.limits)
        return Quote(request, cost.credits, None, lints, cost, blocked)

    async def breakdown(self, request: GenerationRequest, guild_id: int) -> PriceBreakdown:
        """What ``request`` costs now at the guild's prices and provider, with its parts.

        Raises:
            CallsheetError: no price for its model and resolution.
        """
        config = await self.guild_configs.get(guild_id)
        offer = self.providers.for_config(config).profile.offer(request.model)
        return quote_price(request, config.prices, offer)

    async def price_of(self, request: GenerationRequest, guild_id: int) -> int:
        """What ``request`` costs now at the guild's prices and provider, in credits.

        Raises:
            CallsheetError: no price for its model and resolution.
        """
        return (await self.breakdown(request, guild_id)).credits

    async def recent_jobs(
        self, guild_id: int, which: str, user_id: int | None = None, limit: int = 20
    ) -> list[Job]:
        """The guild's latest ``which`` jobs ("finished": delivered; "failed": failed,
        cancelled or expired), of one member when ``user_id`` is given, newest first."""
        states = ("succeeded",) if which == "finished" else ("failed", "cancelled", "expired")
        return await self.history.recent(guild_id, states, user_id, limit)

    async def job_facts(self, job_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Job id → (kind, state), for a statement's entries (one query)."""
        return await self.history.job_facts(job_ids)

    async def affords(self, guild_id: int, available: int) -> Affords | None:
        """How many of the guild's default videos (its default length, resolution and
        model, prompt only) ``available`` credits pay for; ``None`` when it has no price."""
        config = await self.guild_configs.get(guild_id)
        request = GenerationRequest(
            mode="text_to_video", mode_reason=say("mode-text_to_video"),
            dialect=self.providers.for_config(config).profile.dialect, prompt="", images=(),
            videos=(), audios=(), duration_s=config.default_duration_s, ratio="16:9",
            resolution=config.default_resolution, generate_audio=False,
            model=config.default_model,
        )  # fmt: skip
        try:
            cost = await self.breakdown(request, guild_id)
        except CallsheetError:
            return None
        return Affords(available // cost.credits, request.duration_s, request.resolution,
                       cost.credits)  # fmt: skip

    async def refill_period(self, guild_id: int) -> str:
        """How often the guild's allowance refills: none, daily, weekly or monthly."""
        return (await self.guild_configs.get(guild_id)).allowance.refill_period

    async def limits(self, guild_id: int) -> Limits:
        """The limits requests are checked against in the guild (its provider's profile)."""
        config = await self.guild_configs.get(guild_id)
        return self.providers.for_config(config).profile.limits

    async def balance(self, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> Balance:
        """The member's balance in the guild (applying their allowance first)."""
        return await self.credits.balance(guild_id, user_id, self.clock(), role_ids)

    async def generate(
        self,
        session_id: int,
        user_id: int,
        role_ids: Sequence[int] = (),
        *,
        keep_suggested: bool = False,
    ) -> Started:
        """Compile, price, hold the credits and queue the job.

        Caps and the balance are checked in the same transaction as the hold (bans just
        before it), so concurrent clicks never overspend or pass a cap.

        A role still only suggested is not generated as if the member had chosen it: unless
        ``keep_suggested`` (their answer to the question), they are asked first.

        Raises:
            RequestInvalid: the session does not compile (nothing held).
            RolesUnconfirmed: roles are still only suggested (nothing held).
            InsufficientCredits: the balance is below the price (nothing held).
            CallsheetError: banned, a cap reached, or a job already running for the session.
        """
        session, request = await self.prepare(session_id, user_id)
        await self.keep_suggested_roles(session, user_id, keep=keep_suggested)
        return await self.start_job(session, user_id, request, role_ids, "generate", None)

    @staticmethod
    def suggested_roles(session: Session) -> tuple[Phrase, ...]:
        """One line per asset whose role is still only suggested ("`@image1` **scene**")."""
        return tuple(
            say("suggested-role-line", tag=a.tag, role=get_role(a.role).name)
            for a in session.assets
            if a.role_suggested
        )

    async def keep_suggested_roles(self, session: Session, user_id: int, *, keep: bool) -> None:
        """Roles still only suggested are generated only once the member keeps them:
        ``keep`` (they confirmed a price that listed them) makes them chosen.

        Raises:
            RolesUnconfirmed: some are still only suggested and ``keep`` is false.
        """
        lines = self.suggested_roles(session)
        if not lines:
            return
        if not keep:
            raise RolesUnconfirmed(say("generate-confirm-roles", roles=lines), session.id)
        await self.sessions.confirm_roles(session.id, user_id)

    async def prepare(self, session_id: int, user_id: int) -> tuple[Session, GenerationRequest]:
        """The member's session compiled as Generate would send it (nothing held).

        Raises:
            SessionNotFound: not their session. RequestInvalid: it does not compile.
            CallsheetError: a face warning is still unanswered.
        """
        session = await self.sessions.owned(session_id, user_id)
        flagged = [a.tag for a in session.assets if a.face_flag == "warned"]
        if flagged:
            raise CallsheetError(say("generate-face-unanswered", tags=", ".join(flagged)))
        config = await self.guild_configs.get(session.guild_id)
        profile = self.providers.for_config(config).profile
        return session, compile_request(session, profile.dialect, profile.limits)

    async def refuse_if_banned(self, guild_id: int, user_id: int) -> None:
        """Refuse a member banned from generating (checked before a price is shown, and
        again before every hold).

        Raises:
            CallsheetError: banned (until when, and why).
        """
        ban = await self.bans.active(guild_id, user_id, self.clock())
        if ban is not None:
            raise CallsheetError(_banned(ban))

    async def start_job(
        self,
        session: Session,
        user_id: int,
        request: GenerationRequest,
        role_ids: Sequence[int],
        kind: str,
        parent_job_id: int | None,
    ) -> Started:
        now = self.clock()
        await self.refuse_if_banned(session.guild_id, user_id)
        config = await self.guild_configs.get(session.guild_id)
        cost = price(request, config.prices, self.providers.for_config(config).profile.offer(
            request.model))  # fmt: skip
        caps = config.caps
        outcome = await self.ledger.create_job_with_hold(
            session_id=session.id,
            guild_id=session.guild_id,
            channel_id=session.channel_id,
            user_id=user_id,
            provider=self.providers.for_config(config).profile.name,
            request_json=request_to_json(request),
            price=cost,
            now=now,
            model=request.model,
            duration_s=request.duration_s,
            resolution=request.resolution,
            limits=HoldLimits(
                day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
                videos_per_day=caps.videos_per_day,
                seconds_per_day=caps.seconds_per_day,
                concurrent_jobs=caps.concurrent_jobs,
                cooldown_s=caps.cooldown_s,
            ),
            deadline_at=now + self.job_deadline,
            kind=kind,
            parent_job_id=parent_job_id,
            allowance=self.credits.allowance(config, session.guild_id, user_id, now, role_ids),
        )
        if outcome.refused is not None or outcome.job_id is None:
            raise _refusal(outcome, cost, caps)
        self.runner.wake()
        log.info("session %s: job %s (%s) queued, %s credits held", session.id, outcome.job_id,
                 kind, cost)  # fmt: skip
        return Started(outcome.job_id, cost, outcome.available, session.id)

    async def record_stitch(
        self, session: Session, user_id: int, request: GenerationRequest, key: str,
        parent_job_id: int,
    ) -> int:  # fmt: skip
        """Store a stitched video (its media key, ``key``) as a finished job (no provider,
        no credits: ``request`` is its last part's settings, its prompt names the parts) and
        wake the runner, which delivers it like any other result; return its id."""
        job_id = await self.history.record_local(
            session_id=session.id, guild_id=session.guild_id, channel_id=session.channel_id,
            user_id=user_id, kind="stitch", request_json=request_to_json(request),
            result_key=key, duration_s=request.duration_s, resolution=request.resolution,
            model=request.model, parent_job_id=parent_job_id, now=self.clock(),
        )  # fmt: skip
        self.runner.wake()
        log.info("session %s: stitch %s recorded for delivery", session.id, job_id)
        return job_id

    async def results_of(
        self, guild_id: int, user_id: int, offset: int, limit: int
    ) -> tuple[list[Job], int]:
        """The member's delivered videos in the guild, newest first (``limit`` from
        ``offset``), and how many there are."""
        jobs = await self.history.results(guild_id, user_id, offset, limit)
        return jobs, await self.history.count_results(guild_id, user_id)

    async def job(self, job_id: int) -> Job:
        """A job.

        Raises:
            SessionNotFound: no such job.
        """
        job = await self.ledger.job(job_id)
        if job is None:
            raise SessionNotFound(say("job-missing", job=str(job_id)))
        return job

    async def check_owner(self, job_ids: Sequence[int], user_id: int) -> None:
        """Refuse unless every job of ``job_ids`` exists and is ``user_id``'s; one read
        (the Discord layer asks before it acknowledges publicly).

        Raises:
            SessionNotFound: a job does not exist, or is someone else's.
        """
        owners = await self.ledger.job_owners(job_ids)
        for job_id in job_ids:
            owner = owners.get(job_id)
            if owner is None:
                raise SessionNotFound(say("job-missing", job=str(job_id)))
            if owner != user_id:
                raise SessionNotFound(say("job-not-yours", job=str(job_id), owner=f"<@{owner}>"))

    async def active_job(self, session_id: int) -> Job | None:
        """The session's queued or running job, or ``None``."""
        return await self.ledger.active_job_of_session(session_id)

    async def last_job(self, session_id: int) -> Job | None:
        """The session's most recent job, or ``None``."""
        return await self.ledger.last_job_of_session(session_id)

    async def card_job(self, session_id: int) -> Job | None:
        """The job the session card shows: its queued or running job, else its most recent
        one, else ``None`` (one query; ``active_job(…) or last_job(…)`` in one step)."""
        return await self.ledger.card_job_of_session(session_id)

    async def parent_of(self, job_id: int) -> int | None:
        """The job ``job_id`` was built on (extend, insert, edit, regenerate), or ``None``."""
        return await self.ledger.parent_of(job_id)

    async def cancel_job(self, session_id: int, user_id: int) -> tuple[Job, CancelOutcome]:
        """The member stops their session's queued or running job: it is refunded when it
        never reached the provider or the provider confirms the cancel; otherwise it runs
        on and is delivered ("finishing": the provider bills it; a moderator may refund
        it). See :meth:`JobRunner.cancel`.

        Raises:
            SessionNotFound: not their session. CallsheetError: nothing is running.
        """
        await self.sessions.owned(session_id, user_id)
        job = await self.active_job(session_id)
        outcome = (
            await self.runner.cancel(job.id, say("job-cancelled-by-member"))
            if job is not None
            else "finished"
        )
        if job is None or outcome == "finished":
            raise CallsheetError(say("nothing-rendering"))
        return job, outcome

    def queue_status(self, job: Job) -> tuple[int | None, TaskStatus | None]:
        """Where ``job`` waits: its place in our queue (1 = next) and the provider's last
        report (its own queue position and ETA), each ``None`` when unknown."""
        return self.runner.queue_positions.get(job.id), self.runner.provider_status.get(job.id)


def _banned(ban: Ban) -> Phrase:
    """Why a banned member may not generate: until when, and the moderator's reason."""
    until = f"{ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else "none"
    return say("generate-banned", until=until, reason=ban.reason)


def _refusal(outcome: HoldOutcome, cost: int, caps: Caps) -> CallsheetError:
    """The member-facing reason a hold was refused."""
    match outcome.refused:
        case "busy":
            return CallsheetError(say("hold-busy", job=str(outcome.job_id)))
        case "videos_per_day":
            return CallsheetError(
                say("hold-videos-per-day", made=round(outcome.detail or 0),
                    most=caps.videos_per_day or 0)
            )  # fmt: skip
        case "seconds_per_day":
            return CallsheetError(
                say("hold-seconds-per-day", made=round(outcome.detail or 0),
                    most=caps.seconds_per_day or 0)
            )  # fmt: skip
        case "concurrent":
            return CallsheetError(
                say("hold-concurrent", running=round(outcome.detail or 0),
                    most=caps.concurrent_jobs or 0)
            )  # fmt: skip
        case "cooldown":
            return CallsheetError(
                say("hold-cooldown", wait=round(outcome.detail or 0), gap=caps.cooldown_s or 0)
            )
    return InsufficientCredits(say("hold-credits", price=cost, available=outcome.available))


def hold_refusal(outcome: HoldOutcome, cost: int, caps: Caps) -> CallsheetError:
    """The member-facing reason a hold of ``cost`` credits was refused (a storyboard's
    holds, bot/storyboard, are refused as Generate's are)."""
    return _refusal(outcome, cost, caps)


def ban_reason(ban: Ban) -> Phrase:
    """Why a banned member may not generate (until when, and the moderator's reason)."""
    return _banned(ban)
