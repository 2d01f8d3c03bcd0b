"""Running a started storyboard on the durable jobs (docs/ARCHITECTURE.md "Jobs survive
restarts"): release the shots that may run, carry each ``continue`` shot's first frame
over from the shot before it, and join the film once every shot is made.

Nothing here is remembered in memory: every step reads the database and is idempotent, so
it runs again after a restart (:meth:`Director.resume`) or in another process and does
what is left, once. A shot is released by a conditional update (``waiting`` → claimable,
:meth:`storage.storyboards.StoryboardRepository.release`); the film is recorded only for
a set of shot jobs that has none yet (``film_of``). The runner, not this module, drives,
charges and delivers each shot (held at the start, captured or refunded at its end).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import CallsheetError
from bot.generation.jobs import JobRunner
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.media.film import assemble_film, last_frame, split_soundtrack
from bot.media.probe import probe
from bot.providers.base import Provider
from bot.providers.registry import ProviderRegistry
from bot.seedance.compiler import GenerationRequest, compile_request, request_to_json
from bot.seedance.session import Asset, Session, SessionState
from bot.storyboard import plan
from bot.storyboard.model import Shot, ShotState, Storyboard
from bot.words import say
from bot.workers import WorkerPool
from storage.storyboards import FilmRecord, StoryboardRepository

log = logging.getLogger(__name__)

ENDED = (SessionState.CLOSED, SessionState.EXPIRED)
"""A storyboard whose session is in one of these releases no more shots."""


class Director:
    """Moves started storyboards along (see the module docstring).

    Args:
        repo: storyboards. runner: the job runner (woken when a shot is released or the
            film recorded). guild_configs: the member's jobs-at-once cap.
        registry: each guild's provider (its dialect and limits).
        providers: provider name → provider (a shot's job names its provider; where it
            returns the last frame itself, that frame is used).
        data_dir: files live under ``data_dir/storyboards/<id>/``.
        media_pool: frames, soundtrack parts and the film are made there (off the loop).
        media: where files are kept by key (:mod:`bot.hosting.store`).
        clock: current UTC time. job_deadline: a released shot expires this long after.
    """

    def __init__(
        self,
        *,
        repo: StoryboardRepository,
        runner: JobRunner,
        guild_configs: GuildConfigs,
        registry: ProviderRegistry,
        providers: Mapping[str, Provider],
        data_dir: Path,
        media_pool: WorkerPool,
        media: MediaStore,
        clock: Callable[[], datetime],
        job_deadline: timedelta,
    ) -> None:
        self.repo = repo
        self.runner = runner
        self.guild_configs = guild_configs
        self.registry = registry
        self.providers = providers
        self.data_dir = data_dir
        self.media_pool = media_pool
        self.media = media
        self.clock = clock
        self.job_deadline = job_deadline
        self._locks: dict[int, asyncio.Lock] = {}

    def folder(self, storyboard_id: int) -> Path:
        """``data_dir/storyboards/<id>/`` (made on first use)."""
        folder = self.data_dir / "storyboards" / str(storyboard_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # Building a shot's request ----------------------------------------------------------

    def frame_path(self, board: Storyboard, shot: Shot) -> Path:
        """Where the first frame ``shot`` continues from is kept."""
        return self.folder(board.id) / f"shot-{shot.id}-first.png"

    async def parts(self, board: Storyboard) -> dict[int, Asset]:
        """Shot id → its part of the soundtrack as an audio reference (cut once and kept:
        ``soundtrack-NN.mp3``); none without a soundtrack. A track shorter than the film
        gives the later shots none (:func:`bot.media.film.split_soundtrack`).

        Raises:
            FilmError: the soundtrack can't be cut (unreadable, silent, too short).
        """
        if board.soundtrack_key is None or not board.shots:
            return {}
        limits = (await self.registry.for_guild(board.guild_id)).profile.limits
        track = await self.media.fetch(board.soundtrack_key)
        durations = [s.duration_s for s in board.shots]
        folder = self.folder(board.id) / ("parts-" + "-".join(map(str, durations)))
        if folder.is_dir():  # cut before (a restart): the same cut
            paths = sorted(folder.glob("soundtrack-*.mp3"))
        else:
            work = folder.with_name(folder.name + ".part")
            paths = await self.media_pool.run(
                lambda: split_soundtrack(track, durations, work, limits=limits)
            )
            work.replace(folder)
            paths = [folder / p.name for p in paths]
        found = {}
        for shot, path in zip(board.shots, paths, strict=False):
            info = await self.media_pool.run(probe, path)
            key = await self.media.put(path)
            found[shot.id] = plan.part_asset(key, info.duration_s or 0.0, info.size_bytes)
        return found

    async def compile_shot(
        self, board: Storyboard, session: Session, shot: Shot, part: Asset | None, *,
        final: bool,
    ) -> GenerationRequest:  # fmt: skip
        """``shot``'s request in the guild's dialect. A ``continue`` shot carries the
        previous shot's last frame: the stored one when ``final`` (it must exist), a
        stand-in of the output size otherwise (a quote, a hold before it exists).

        Raises:
            RequestInvalid: it does not compile.
        """
        profile = (await self.registry.for_guild(board.guild_id)).profile
        frame = None
        if shot.follows_previous:
            path = self.frame_path(board, shot)
            if final:
                info = await self.media_pool.run(
                    probe, await self.media.fetch(self.media.key(path))
                )
                frame = plan.frame_asset(self.media.key(path), info.width or 0, info.height or 0,
                                         info.size_bytes)  # fmt: skip
            else:
                frame = plan.stand_in_frame(session, self.media.key(path))
        single = plan.shot_session(session, board, shot, frame=frame, part=part)
        request = compile_request(single, profile.dialect, profile.limits)
        following = next((s for s in board.shots if s.position == shot.position + 1), None)
        if following is not None and following.follows_previous:  # the provider's own frame
            request = replace(request, return_last_frame=True)
        return request

    # Moving along -----------------------------------------------------------------------

    async def advance(self, board: Storyboard, session: Session) -> None:
        """Do what the storyboard's state allows now: carry the frames of ``continue``
        shots whose previous shot is made, release the shots that may run (within the
        member's jobs-at-once cap), and join the film once every shot is made. Once its
        session is closed or expired nothing more is released: the shots still held back
        are cancelled and refunded (:meth:`let_go`); the shots already running finish and
        the film of made shots is still joined. Safe to call at any time, from any
        process, as often as wanted."""
        lock = self._locks.setdefault(board.id, asyncio.Lock())
        async with lock:
            if board.started_at is None:
                return
            if session.state in ENDED:
                await self._let_go(board)
            else:
                await self._release(board, session)
            if all(shot.state == ShotState.DONE for shot in board.shots):
                await self.film(board, session, again=False)

    async def let_go(self, board: Storyboard) -> None:
        """Cancel every shot still held back (``waiting``: it never reached a provider), so
        its hold is refunded (:meth:`bot.generation.jobs.JobRunner.cancel`, a conditional
        end: a shot already ended is refunded no second time). For a storyboard whose
        session ended (closed or expired): nothing it holds back could run any more."""
        async with self._locks.setdefault(board.id, asyncio.Lock()):
            await self._let_go(board)

    async def _let_go(self, board: Storyboard) -> None:
        for shot in board.shots:
            if shot.job_id is not None and shot.state == ShotState.WAITING:
                outcome = await self.runner.cancel(shot.job_id, say("storyboard-shot-let-go"))
                log.info("storyboard %s: held-back shot %s let go, its session ended (%s)",
                         board.id, shot.position, outcome)  # fmt: skip

    async def _release(self, board: Storyboard, session: Session) -> None:
        config = await self.guild_configs.get(board.guild_id)
        cap = config.caps.concurrent_jobs
        slots = len(board.shots)
        if cap is not None:
            slots = cap - await self.repo.running_jobs(board.guild_id, board.user_id)
        ready = plan.runnable(board, slots)
        if not ready:
            return
        parts = await self.parts(board)
        released = 0
        for shot in ready:
            assert shot.job_id is not None  # waiting: it has a job
            if shot.follows_previous:
                previous = board.previous(shot)
                assert previous is not None and previous.job_id is not None
                await self._carry(board, shot, previous)
            try:
                request = await self.compile_shot(board, session, shot, parts.get(shot.id),
                                                  final=True)  # fmt: skip
            except CallsheetError as exc:  # its carried frame breaks a limit: refund it
                reason = say("storyboard-shot-problem", shot=shot.position, problem=exc.phrase)
                await self.runner.cancel(shot.job_id, reason)
                log.warning("storyboard %s: shot %s can't be sent: %s", board.id, shot.position,
                            exc)  # fmt: skip
                continue
            now = self.clock()
            if await self.repo.release(shot.job_id, request_to_json(request),
                                       now + self.job_deadline, now):  # fmt: skip
                released += 1
                log.info("storyboard %s: shot %s released as job %s", board.id, shot.position,
                         shot.job_id)  # fmt: skip
        if released:
            self.runner.wake()

    async def _carry(self, board: Storyboard, shot: Shot, previous: Shot) -> Path:
        """The previous shot's last frame, kept where ``shot``'s request names it: the
        provider's own where it returns one (Ark's ``return_last_frame``), else decoded from
        the video (:func:`bot.media.film.last_frame`, the same pixels). Written under a
        temporary name first, so a crash never leaves half a frame to carry."""
        out = self.frame_path(board, shot)
        if not out.exists():
            work = out.with_name(out.stem + ".part.png")
            provider = self.providers.get(previous.provider or "")
            given = False
            if provider is not None and previous.task_id:
                given = await provider.download_last_frame(previous.task_id, work)
            if given:
                log.info("storyboard %s: shot %s starts on the provider's last frame",
                         board.id, shot.position)  # fmt: skip
            else:
                assert previous.result_key is not None  # made
                video = await self.media.fetch(previous.result_key)
                await self.media_pool.run(last_frame, video, work)
            work.replace(out)
        await self.media.put(out)
        return out

    async def film(self, board: Storyboard, session: Session, *, again: bool) -> int | None:
        """Join the shots (all made) into the film and record it for delivery; return its
        job id, or ``None`` when it exists for these shots already (unless ``again``: a
        member's free re-stitch).

        Raises:
            FilmError: a shot or the soundtrack can't be read.
        """
        jobs = tuple(shot.job_id for shot in board.shots if shot.job_id is not None)
        if not again and board.film_of == jobs:
            return None
        clips = [await self.media.fetch(s.result_key) for s in board.shots if s.result_key]
        track = None
        if board.film_audio == "soundtrack" and board.soundtrack_key is not None:
            track = await self.media.fetch(board.soundtrack_key)
        name = "film-" + "-".join(map(str, jobs)) + ".mp4"
        out = await self.media_pool.run(assemble_film, clips, self.folder(board.id) / name, track)
        measured = (await self.media_pool.run(probe, out)).duration_s
        last = await self.repo.request_of(jobs[-1])
        request = replace(
            last, prompt=" + ".join(f"#{j}" for j in jobs),
            duration_s=round(measured or board.total_s),
        )  # fmt: skip
        record = FilmRecord(request_to_json(request), await self.media.put(out), request.duration_s,
                            request.resolution, request.model, jobs)  # fmt: skip
        job_id = await self.repo.record_film(board, record, self.clock(), again=again)
        if job_id is not None:
            log.info("storyboard %s: film recorded as job %s", board.id, job_id)
            self.runner.wake()
        return job_id
