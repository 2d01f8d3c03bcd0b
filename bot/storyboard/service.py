"""Storyboards: the public API the Discord layer calls (``cogs/storyboard/``; issue 17).

A storyboard is backed by a normal session (:class:`bot.sessions.service.Sessions`), which
holds its storyboard-wide references and settings, so uploads, roles, fixes and the face
check work as for ``/video new``; the shot list lives beside it
(:mod:`storage.storyboards`). Every shot is a real job (:mod:`bot.generation.jobs`):
the price of every shot is shown and confirmed once, then held per shot; a failed shot is
refunded by the runner and can be retried alone; when every shot is made the film is
joined locally (free) and delivered like any other result.

Every method raises :class:`bot.errors.CallsheetError` (or a subclass) with the member's
message; nothing else is meant for the member. Units: seconds (``duration_s``), credits
(prices), Discord snowflakes (ids of guilds, channels, members), database ids (storyboards,
shots, assets, jobs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from bot.credits.pricing import quote_price
from bot.credits.service import Credits
from bot.errors import CallsheetError, SessionNotFound
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.generation.service import Generation, ban_reason, hold_refusal
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.providers.base import Provider
from bot.providers.registry import ProviderRegistry
from bot.seedance.compiler import request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Asset, Session
from bot.sessions.service import Sessions
from bot.storyboard import plan
from bot.storyboard.editing import ShotList
from bot.storyboard.model import Shot, ShotQuote, ShotState, Storyboard, StoryboardQuote
from bot.storyboard.runs import Director
from bot.words import say
from bot.workers import WorkerPool
from storage.ledger_records import AllowanceEntries, HoldLimits
from storage.storyboards import ShotHold, StoryboardRepository

log = logging.getLogger(__name__)


class Storyboards(ShotList):
    """The storyboard service (see the module docstring).

    Args:
        sessions: the sessions service (the storyboard's session: references, settings).
        generation: bans and role confirmation, as for Generate.
        credits: the member's allowance (applied in the start's hold).
        repo: storyboards and shots. guild_configs: caps, prices, limits.
        registry: each guild's provider. providers: provider name → provider.
        runner: the job runner (this service watches its jobs end).
        http: downloads a soundtrack. data_dir: files under ``data_dir/storyboards/``.
        media_pool: media work off the loop. media: where files are kept by key
            (:mod:`bot.hosting.store`). clock: current UTC time.
        job_deadline: a shot not finished this long after it is released expires (refund).
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        generation: Generation,
        credits: Credits,
        repo: StoryboardRepository,
        guild_configs: GuildConfigs,
        registry: ProviderRegistry,
        providers: Mapping[str, Provider],
        runner: JobRunner,
        http: aiohttp.ClientSession,
        data_dir: Path,
        media_pool: WorkerPool,
        media: MediaStore,
        clock: Callable[[], datetime],
        job_deadline: timedelta,
    ) -> None:
        self.sessions = sessions
        self.generation = generation
        self.credits = credits
        self.repo = repo
        self.guild_configs = guild_configs
        self.registry = registry
        self.runner = runner
        self.http = http
        self.media_pool = media_pool
        self.media = media
        self.clock = clock
        self.job_deadline = job_deadline
        self.director = Director(
            repo=repo, runner=runner, guild_configs=guild_configs, registry=registry,
            providers=providers, data_dir=data_dir, media_pool=media_pool, media=media, clock=clock,
            job_deadline=job_deadline,
        )  # fmt: skip
        self._moving: set[asyncio.Task[None]] = set()

    # Lifecycle --------------------------------------------------------------------------

    async def resume(self) -> None:
        """Watch the runner's jobs (a shot ending moves its storyboard on) and move every
        started, unfinished storyboard on (in the background): after a restart, what was
        left is done from the database (released shots, carried frames, the film)."""
        self.runner.add_listener(self, delivers=False)
        self.sessions.add_end_listener(self.session_ended)
        for storyboard_id in await self.repo.unfinished():
            self._move(storyboard_id)

    async def close(self) -> None:
        """Stop watching and wait out the moves in flight (cancelled: each resumes from
        the database at the next :meth:`resume`)."""
        self.runner.remove_listener(self)
        self.sessions.remove_end_listener(self.session_ended)
        for task in list(self._moving):
            task.cancel()
        await asyncio.gather(*self._moving, return_exceptions=True)

    async def settled(self) -> None:
        """Wait until the moves started by ended jobs are done (tests and benches)."""
        while self._moving:
            await asyncio.gather(*list(self._moving), return_exceptions=True)

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        """Nothing to do while a shot runs (the runner's listener interface)."""

    async def deliver(self, job: Job) -> int:
        """Never asked: this service is added as a listener that does not deliver."""
        raise NotImplementedError

    async def job_settled(self, job: Job) -> None:
        """A job ended: move on the member's started storyboards in the guild (the job may
        be one of their shots, or a slot freed under their jobs-at-once cap)."""
        for storyboard_id in await self.repo.unfinished(job.guild_id, job.user_id):
            self._move(storyboard_id)

    async def session_ended(self, session: Session) -> None:
        """The session was closed or expired (:meth:`bot.sessions.service.Sessions.close`,
        ``expire_idle``): if it backs a storyboard, its shots still held back are cancelled
        and refunded now, once each (:meth:`bot.storyboard.runs.Director.let_go`); shots
        already running finish as any job does. A process killed before this does it at
        its next :meth:`resume` (a storyboard of an ended session releases nothing)."""
        storyboard_id = await self.repo.of_session(session.id)
        if storyboard_id is not None:
            await self.director.let_go(await self.get(storyboard_id))

    def _move(self, storyboard_id: int) -> None:
        task = asyncio.create_task(self._advance(storyboard_id), name=f"storyboard-{storyboard_id}")
        self._moving.add(task)
        task.add_done_callback(self._moving.discard)

    async def _advance(self, storyboard_id: int) -> None:
        try:
            board = await self.get(storyboard_id)
            session = await self.sessions.get(board.session_id)
            await self.director.advance(board, session)
        except asyncio.CancelledError:
            raise
        except Exception:  # the next job's end, or the next start, tries again
            log.exception("storyboard %s: moving on failed", storyboard_id)

    # Reading ----------------------------------------------------------------------------

    async def open(
        self, guild_id: int, channel_id: int, user_id: int, *, locale: str = "en-US"
    ) -> Storyboard:
        """Open a storyboard for the member in the channel: a new session (the guild's
        defaults; ``Sessions.open_session``) with an empty shot list.

        Raises:
            CallsheetError: they already have a session open there, or the channel is not
                allowed (as ``Sessions.open_session``).
        """
        session = await self.sessions.open_session(guild_id, channel_id, user_id, locale=locale)
        storyboard_id = await self.repo.create(session.id, guild_id, channel_id, user_id,
                                               self.clock())  # fmt: skip
        log.info("storyboard %s opened on session %s", storyboard_id, session.id)
        return await self.get(storyboard_id)

    async def get(self, storyboard_id: int) -> Storyboard:
        """The storyboard with its shots, their jobs' states and its references
        (storyboard-wide ones, and each shot's own).

        Raises:
            SessionNotFound: no such storyboard (or its session is gone).
        """
        board = await self.repo.get(storyboard_id)
        if board is None:
            raise SessionNotFound(say("storyboard-gone"))
        session = await self.sessions.get(board.session_id)
        claimed = {i for shot in board.shots for i in shot.reference_ids}
        return replace(
            board,
            references=tuple(a for a in session.assets if a.id not in claimed),
            shots=tuple(
                replace(shot, references=tuple(a for a in session.assets
                                               if a.id in shot.reference_ids))
                for shot in board.shots
            ),
        )  # fmt: skip

    async def of_session(self, session_id: int) -> Storyboard | None:
        """The storyboard backed by session ``session_id``, or ``None`` (a plain session)."""
        storyboard_id = await self.repo.of_session(session_id)
        return await self.get(storyboard_id) if storyboard_id is not None else None

    async def owned(self, storyboard_id: int, user_id: int) -> Storyboard:
        """The storyboard if ``user_id`` owns it.

        Raises:
            SessionNotFound: no such storyboard, or someone else's.
        """
        board = await self.get(storyboard_id)
        if board.user_id != user_id:
            raise SessionNotFound(say("storyboard-not-yours", owner=f"<@{board.user_id}>"))
        return board

    # Money: one price, held per shot ------------------------------------------------------

    async def quote(self, storyboard_id: int, user_id: int) -> StoryboardQuote:
        """Every shot compiled as it would be sent and priced at the guild's prices
        (:func:`bot.credits.pricing.quote_price`), with the total. A shot that continues
        the previous one is compiled with a stand-in for that frame (the price does not
        depend on it); its part of the soundtrack is the length it will have. Nothing is
        held or written. A shot that does not compile carries its problem, and the
        quote's ``problem`` is the first.

        Raises:
            SessionNotFound: not theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        session = await self.sessions.get(board.session_id)
        ban = self.generation.bans.known(board.guild_id, board.user_id, self.clock())
        blocked = ban_reason(ban) if ban is not None else None
        if not board.shots:
            return StoryboardQuote(None, (), 0, say("storyboard-needs-a-shot"), blocked)
        config = await self.guild_configs.get(board.guild_id)
        profile = self.registry.for_config(config).profile
        parts = _planned_parts(board)
        quotes = []
        for shot in board.shots:
            try:
                request = await self.director.compile_shot(
                    board, session, shot, parts.get(shot.id), final=False
                )
                cost = quote_price(request, config.prices, profile.offer(request.model))
            except CallsheetError as exc:
                quotes.append(ShotQuote(shot.position, shot.duration_s, None, None, exc.phrase))
                continue
            quotes.append(ShotQuote(shot.position, shot.duration_s, cost.credits, cost.phrase))
        problems = [
            say("storyboard-shot-problem", shot=q.position, problem=q.problem)
            for q in quotes
            if q.problem is not None
        ]
        total = None if problems else sum(q.price or 0 for q in quotes)
        return StoryboardQuote(
            total, tuple(quotes), board.total_s, problems[0] if problems else None, blocked
        )

    async def start(
        self,
        storyboard_id: int,
        user_id: int,
        expected_total: int,
        role_ids: Sequence[int] = (),
    ) -> Storyboard:
        """Confirm the quoted price once: hold every shot's price in one transaction
        (each shot its own job and hold), then release the shots that can run now
        (``cut``/``match`` ones in parallel, within the member's jobs-at-once cap; the
        runner applies the guild's); a ``continue`` shot runs once the shot before it is
        made, with that shot's last frame as its first. Roles still only suggested are
        kept (the price the member confirmed listed the shots as they are).

        Args:
            expected_total: the total the member confirmed (from :meth:`quote`); a
                different price now holds nothing and raises.
            role_ids: the member's role ids (role-based allowances).

        Raises:
            CallsheetError: no shots, a shot does not compile, the price changed, a face
                question unanswered, banned, a daily cap or the cooldown, too few credits
                (nothing held in any of these), or already started; SessionNotFound: not
                theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        self._editable(board)
        if not board.shots:
            raise CallsheetError(say("storyboard-needs-a-shot"))
        session = await self.sessions.owned(board.session_id, user_id)
        flagged = [a.tag for a in session.assets if a.face_flag == "warned"]
        if flagged:
            raise CallsheetError(say("generate-face-unanswered", tags=", ".join(flagged)))
        await self.generation.refuse_if_banned(board.guild_id, user_id)
        parts = await self.director.parts(board)
        holds = [await self._hold(board, session, shot, parts.get(shot.id)) for shot in board.shots]
        total = sum(hold.price for hold in holds)
        if total != expected_total:
            raise CallsheetError(say("storyboard-price-changed", price=total, was=expected_total))
        await self.generation.keep_suggested_roles(session, user_id, keep=True)
        outcome = await self.repo.start(board, await self._provider(board), holds,
                                        *await self._limits(board, role_ids))  # fmt: skip
        if not outcome.created:
            if outcome.refused == "busy":
                raise CallsheetError(say("storyboard-locked"))
            raise hold_refusal(outcome, total, (await self.guild_configs.get(board.guild_id)).caps)
        log.info("storyboard %s started: %s shots, %s credits held", board.id, len(holds), total)
        await self.director.advance(await self.get(board.id), session)
        return await self.get(board.id)

    async def retry_shot(
        self, shot_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Storyboard:
        """Run one failed shot again alone (a new job and hold at its price now); the
        other shots are kept. A ``continue`` shot whose previous shot is not made yet
        waits for it; the film is joined again once every shot is made.

        Raises:
            CallsheetError: the storyboard has not started, the shot has not failed, or
                the refusals of a hold (credits, caps, ban); SessionNotFound: not theirs.
        """
        board, shot = await self._shot(shot_id, user_id)
        if shot.state != ShotState.FAILED:
            raise CallsheetError(say("storyboard-not-failed", shot=shot.position))
        session = await self.sessions.get(board.session_id)
        await self.generation.refuse_if_banned(board.guild_id, user_id)
        parts = await self.director.parts(board)
        hold = await self._hold(board, session, shot, parts.get(shot.id))
        outcome = await self.repo.retry(board, await self._provider(board), hold, shot.job_id,
                                        *await self._limits(board, role_ids))  # fmt: skip
        if not outcome.created:
            if outcome.refused == "busy":
                raise CallsheetError(say("storyboard-not-failed", shot=shot.position))
            caps = (await self.guild_configs.get(board.guild_id)).caps
            raise hold_refusal(outcome, hold.price, caps)
        log.info("storyboard %s: shot %s retried as job %s", board.id, shot.position,
                 outcome.job_id)  # fmt: skip
        await self.director.advance(await self.get(board.id), session)
        return await self.get(board.id)

    async def stop(self, storyboard_id: int, user_id: int) -> Storyboard:
        """Stop the shots not made yet: each unfinished shot job is cancelled as the
        member's Cancel is (:meth:`bot.generation.jobs.JobRunner.cancel`): refunded when it
        never reached the provider (every held-back shot) or the provider confirms, else it
        finishes and is charged. Made shots stay; a stopped shot can be retried.

        Raises:
            SessionNotFound: not theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        unfinished = (ShotState.WAITING, ShotState.QUEUED, ShotState.RUNNING)
        for shot in board.shots:
            if shot.job_id is not None and shot.state in unfinished:
                outcome = await self.runner.cancel(shot.job_id, say("storyboard-shot-stopped"))
                log.info("storyboard %s: shot %s stopped (%s)", board.id, shot.position, outcome)
        return await self.get(board.id)

    async def restitch(self, storyboard_id: int, user_id: int) -> int:
        """Join the made shots into the film again (free: local work; with the film's
        sound as now chosen) and record it for delivery; return the film's job id.

        Raises:
            CallsheetError: some shot is not made yet, or a file can't be read;
                SessionNotFound: not theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        made = sum(1 for shot in board.shots if shot.state == ShotState.DONE)
        if not board.shots or made < len(board.shots):
            raise CallsheetError(say("storyboard-not-made", made=made, shots=len(board.shots)))
        session = await self.sessions.get(board.session_id)
        job_id = await self.director.film(board, session, again=True)
        assert job_id is not None  # again: always recorded
        return job_id

    async def _hold(
        self, board: Storyboard, session: Session, shot: Shot, part: Asset | None
    ) -> ShotHold:
        """What holding ``shot`` means now: its request (a stand-in frame until it can
        run) and price.

        Raises:
            CallsheetError: it does not compile (naming the shot), or has no price.
        """
        try:
            request = await self.director.compile_shot(board, session, shot, part, final=False)
        except CallsheetError as exc:
            raise CallsheetError(
                say("storyboard-shot-problem", shot=shot.position, problem=exc.phrase)
            ) from exc
        config = await self.guild_configs.get(board.guild_id)
        offer = self.registry.for_config(config).profile.offer(request.model)
        cost = quote_price(request, config.prices, offer).credits
        return ShotHold(shot.id, request_to_json(request), cost, True, request.model,
                        request.duration_s, request.resolution)  # fmt: skip

    async def _provider(self, board: Storyboard) -> str:
        return (await self.registry.for_guild(board.guild_id)).profile.name

    async def _limits(
        self, board: Storyboard, role_ids: Sequence[int]
    ) -> tuple[datetime, datetime, HoldLimits, AllowanceEntries]:
        """The hold's time, deadline, caps and the member's due allowance."""
        now = self.clock()
        config = await self.guild_configs.get(board.guild_id)
        caps = config.caps
        limits = HoldLimits(
            day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
            videos_per_day=caps.videos_per_day, seconds_per_day=caps.seconds_per_day,
            concurrent_jobs=caps.concurrent_jobs, cooldown_s=caps.cooldown_s,
        )  # fmt: skip
        allowance = self.credits.allowance(config, board.guild_id, board.user_id, now, role_ids)
        return now, now + self.job_deadline, limits, allowance


def _planned_parts(board: Storyboard) -> dict[int, Asset]:
    """Shot id → its soundtrack part as it will be cut (for a quote, before cutting):
    the track from its start, each shot's length, none from the first shot whose part
    would be shorter than an audio reference's 2 s (seeds 000, 001, 004;
    :func:`bot.media.film.split_soundtrack`)."""
    if board.soundtrack_key is None or board.soundtrack_s is None:
        return {}
    parts, start = {}, 0.0
    for shot in board.shots:
        seconds = min(float(shot.duration_s), board.soundtrack_s - start)
        if seconds < (DEFAULT_LIMITS.audio.min_duration_s or 0.0):
            break
        key = f"{board.soundtrack_key}.part-{shot.position:02d}.mp3"
        parts[shot.id] = plan.part_asset(key, seconds, 0)
        start += shot.duration_s
    return parts
