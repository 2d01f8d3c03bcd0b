"""Building on results instead of restarting (seed 000: "when a result is close, extend,
insert or edit"; seed 002: video extension and editing): regenerate, extend, insert
between, edit, use as reference and stitch, as plain async calls for the Discord layer.

Every call checks that the result is the member's and finished; new jobs attach to the
member's open session in that channel (opening one when needed) and go through
:meth:`bot.generation.service.Generation.start_job`, so bans, caps and credits apply as for
Generate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from bot.errors import CallsheetError, SessionNotFound
from bot.generation.derive import (
    DEFAULT_EXTEND_PROMPT,
    DEFAULT_INSERT_PROMPT,
    derived_request,
    grab_frame,
    reference_asset,
)
from bot.generation.job import Job
from bot.generation.service import Generation, Started
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.media.probe import probe
from bot.media.stitch import StitchError, stitch
from bot.providers.base import ProviderProfile
from bot.providers.registry import ProviderRegistry
from bot.seedance.compiler import GenerationRequest
from bot.seedance.session import Asset, Session
from bot.sessions.service import Sessions
from bot.sessions.uploads import Uploads
from bot.words import say
from bot.workers import WorkerPool


@dataclass(frozen=True)
class Derived:
    """A new job's request built on a result, before anything is held.

    Attributes:
        session: the session the job attaches to. request: what would be sent.
        kind: regenerate, extend, insert or edit. parent_job_id: the result it builds on.
    """

    session: Session
    request: GenerationRequest
    kind: str
    parent_job_id: int


class Results:
    """Work on finished jobs.

    Args:
        sessions: the sessions service (the session new work attaches to).
        uploads: the uploads service (a result used as a reference is checked as an upload).
        generation: the generation service new jobs are started through.
        guild_configs: each guild's configuration (prices).
        providers: the provider each guild uses (its dialect and limits).
        data_dir: work files live under ``data_dir/jobs/<id>/``.
        media_pool: where frames are grabbed and clips stitched (off the loop).
        media: where results are fetched from and new references kept
            (:mod:`bot.hosting.store`); by default this machine's ``data_dir``.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        uploads: Uploads,
        generation: Generation,
        guild_configs: GuildConfigs,
        providers: ProviderRegistry,
        data_dir: Path,
        media_pool: WorkerPool,
        media: MediaStore | None = None,
    ) -> None:
        self.sessions = sessions
        self.uploads = uploads
        self.generation = generation
        self.guild_configs = guild_configs
        self.providers = providers
        self.data_dir = data_dir
        self.media_pool = media_pool
        self.media = media or MediaStore(data_dir)

    async def start(self, derived: Derived, user_id: int, role_ids: Sequence[int] = ()) -> Started:
        """Hold the price of a built request and queue it (bans, caps and credits apply as
        for Generate).

        Raises:
            CallsheetError: the refusals of :meth:`Generation.start_job`.
        """
        return await self.generation.start_job(
            derived.session, user_id, derived.request, role_ids, derived.kind,
            derived.parent_job_id,
        )  # fmt: skip

    async def regenerate_request(self, job_id: int, user_id: int) -> Derived:
        """A job's request again (the provider picks a new seed), in the job's session.

        Raises:
            SessionNotFound: not the member's job.
        """
        job = await self.generation.job(job_id)
        if job.user_id != user_id:
            raise SessionNotFound(say("job-not-yours", job=str(job_id), owner=f"<@{job.user_id}>"))
        if not all([await self.media.exists(ra.asset.key) for ra in job.request.assets]):
            raise CallsheetError(say("job-files-gone", job=str(job_id)))  # past retention
        session = await self.sessions.get(job.session_id)
        return Derived(session, job.request, "regenerate", job.id)

    async def regenerate(self, job_id: int, user_id: int, role_ids: Sequence[int] = ()) -> Started:
        """Run a job's request again (the provider picks a new seed) as a new job.

        Raises:
            SessionNotFound: not the member's job. CallsheetError: its files are no longer
                kept (:mod:`bot.generation.retention`), or the same refusals as
                :meth:`generate`.
        """
        return await self.start(await self.regenerate_request(job_id, user_id), user_id, role_ids)

    async def use_as_reference(
        self, job_id: int, user_id: int, guild_id: int, channel_id: int
    ) -> tuple[Session, Asset]:
        """Put a finished video into the member's open session in the channel (opening one
        if needed) as its next ``@video``.

        Raises:
            CallsheetError: no finished video. AssetRejected: it breaks a reference limit.
        """
        job, session, _ = await self._base(job_id, user_id, guild_id, channel_id)
        clip = await self._result(job)
        asset = await self.uploads.add_file(session.id, user_id, clip, f"job-{job_id}.mp4")
        return await self.sessions.get(session.id), asset

    # Building on results (seed 000: extend, insert, edit instead of restarting) -----------

    async def extend_request(self, job_id: int, user_id: int, seconds: int, prompt: str) -> Derived:
        """Continue a result by ``seconds`` (4–15): reference-to-video with the result as
        the clip to extend and its last frame as the first frame (seed 002 extension).

        Raises:
            CallsheetError: not the member's finished job, or the result breaks a limit.
        """
        job, session, profile = await self._base(job_id, user_id)
        clip = await self._result(job)
        frame = await self.media_pool.run(grab_frame, clip, "last", self._work(job_id) / "last.png")
        frame_key, clip_key = await self.media.put(frame), self._key(job)
        assets = await self.media_pool.run(
            lambda: (
                reference_asset("image", 1, "first_frame", frame, frame_key, profile.limits),
                reference_asset("video", 1, "clip_to_extend", clip, clip_key, profile.limits),
            )
        )
        request = derived_request(
            session, assets, prompt.strip() or DEFAULT_EXTEND_PROMPT, job.request, seconds,
            profile.dialect, profile.limits,
        )  # fmt: skip
        return Derived(session, request, "extend", job.id)

    async def insert_request(
        self, first_id: int, second_id: int, user_id: int, seconds: int, prompt: str
    ) -> Derived:
        """The shot that bridges two results: image-to-video from the last frame of the
        first to the first frame of the second.

        Raises:
            CallsheetError: either job is not the member's finished job.
        """
        first, session, profile = await self._base(first_id, user_id)
        second, _, _ = await self._base(second_id, user_id)
        work = self._work(first_id)
        start = await self.media_pool.run(
            grab_frame, await self._result(first), "last", work / f"last-for-{second_id}.png"
        )
        end = await self.media_pool.run(
            grab_frame, await self._result(second), "first", work / f"first-of-{second_id}.png"
        )
        start_key, end_key = await self.media.put(start), await self.media.put(end)
        assets = await self.media_pool.run(
            lambda: (
                reference_asset("image", 1, "first_frame", start, start_key, profile.limits),
                reference_asset("image", 2, "last_frame", end, end_key, profile.limits),
            )
        )
        request = derived_request(
            session, assets, prompt.strip() or DEFAULT_INSERT_PROMPT, first.request, seconds,
            profile.dialect, profile.limits,
        )  # fmt: skip
        return Derived(session, request, "insert", first.id)

    async def edit_request(
        self, job_id: int, user_id: int, prompt: str, image: Path | None = None
    ) -> Derived:
        """Edit a result (replace, remove or add a character or object; seed 002) with an
        instruction and an optional image reference.

        Raises:
            CallsheetError: no instruction, or not the member's finished job.
        """
        if not prompt.strip():
            raise CallsheetError(say("edit-needs-words"))
        job, session, profile = await self._base(job_id, user_id)
        clip, clip_key = await self._result(job), self._key(job)
        image_key = await self.media.put(image) if image is not None else ""

        def build() -> tuple[Asset, ...]:
            found = [reference_asset("video", 1, "clip_to_edit", clip, clip_key, profile.limits)]
            if image is not None:
                found.insert(
                    0, reference_asset("image", 1, "object", image, image_key, profile.limits)
                )
            return tuple(found)

        assets = await self.media_pool.run(build)
        request = derived_request(
            session, assets, prompt, job.request, job.request.duration_s, profile.dialect,
            profile.limits,
        )  # fmt: skip
        return Derived(session, request, "edit", job.id)

    async def stitch(self, job_ids: Sequence[int], user_id: int) -> int:
        """Join finished results into one MP4 (no credits: local work), stored as a finished
        job of kind ``stitch`` that the runner delivers like any other result; return its
        id.

        Raises:
            CallsheetError: fewer than two, not the member's, or unreadable.
        """
        jobs = [await self.finished(job_id, user_id) for job_id in job_ids]
        clips = [await self._result(job) for job in jobs]
        out = self._work(job_ids[-1]) / f"stitch-{'-'.join(map(str, job_ids))}.mp4"
        try:
            path = await self.media_pool.run(stitch, clips, out)
        except StitchError as exc:
            raise CallsheetError(exc.phrase) from exc
        measured = (await self.media_pool.run(probe, path)).duration_s
        last = jobs[-1]
        request = replace(
            last.request,
            prompt=" + ".join(f"#{j}" for j in job_ids),
            duration_s=round(measured or sum(job.request.duration_s for job in jobs)),
        )
        session = await self.sessions.get(last.session_id)
        key = await self.media.put(path)
        return await self.generation.record_stitch(session, user_id, request, key, last.id)

    async def thumbnail(self, job: Job) -> Path:
        """A JPEG of the result's first frame, at most 480 px wide (made once, off the
        loop; ``data_dir/jobs/<id>/thumb.jpg``).

        Raises:
            CallsheetError: the result is gone or cannot be decoded.
        """
        out = self._work(job.id) / "thumb.jpg"
        if out.exists():
            return out
        if job.result_key is None:
            raise CallsheetError(say("job-video-gone", job=str(job.id)))
        return await self.media_pool.run(_thumbnail, await self._result(job), out)

    async def chain(self, job_id: int) -> list[int]:
        """The job ids from the root of ``job_id``'s extend/insert chain down to it."""
        chain = [job_id]
        job = await self.generation.job(job_id)
        while (parent := await self.generation.parent_of(job.id)) is not None:
            chain.insert(0, parent)
            job = await self.generation.job(parent)
        return chain

    async def finished(self, job_id: int, user_id: int) -> Job:
        """A finished job of the member, its video still on disk.

        Raises:
            SessionNotFound: someone else's job (or none). CallsheetError: no finished video.
        """
        job = await self.generation.job(job_id)
        if job.user_id != user_id:
            raise SessionNotFound(say("job-not-yours", job=str(job_id), owner=f"<@{job.user_id}>"))
        if job.result_key is None:
            raise CallsheetError(say("job-no-video", job=str(job_id)))
        if not await self.media.exists(job.result_key):  # removed after RETENTION_DAYS
            raise CallsheetError(say("job-video-gone", job=str(job_id)))
        return job

    async def session_for(self, guild_id: int, channel_id: int, user_id: int) -> Session:
        """The member's open session in the channel, opening one when they have none."""
        session = await self.sessions.find_open(guild_id, channel_id, user_id)
        if session is None:
            session = await self.sessions.open_session(guild_id, channel_id, user_id)
        return session

    async def _base(
        self, job_id: int, user_id: int, guild_id: int | None = None, channel_id: int | None = None
    ) -> tuple[Job, Session, ProviderProfile]:
        """A finished job of the member, the session new work attaches to (their open one in
        the channel — the job's unless given — else a new one) and the guild's profile.

        Raises:
            SessionNotFound: someone else's job. CallsheetError: no finished video.
        """
        job = await self.finished(job_id, user_id)
        guild = guild_id if guild_id is not None else job.guild_id
        channel = channel_id if channel_id is not None else job.channel_id
        session = await self.session_for(guild, channel, user_id)
        return job, session, (await self.providers.for_guild(job.guild_id)).profile

    def _key(self, job: Job) -> str:
        assert job.result_key is not None  # a finished job's (see :meth:`finished`)
        return job.result_key

    async def _result(self, job: Job) -> Path:
        """The job's video on this machine (fetched from the media store if need be).

        Raises:
            CallsheetError: it is no longer kept, or the store can't be reached.
        """
        try:
            return await self.media.fetch(self._key(job))
        except FileNotFoundError:  # removed after RETENTION_DAYS
            raise CallsheetError(say("job-video-gone", job=str(job.id))) from None

    def _work(self, job_id: int) -> Path:
        folder = self.data_dir / "jobs" / str(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder


THUMB_WIDTH = 480


def _thumbnail(video: Path, out: Path) -> Path:
    """Save ``video``'s first frame as a JPEG ``THUMB_WIDTH`` px wide at most (blocking)."""
    frame = grab_frame(video, "first", out.with_suffix(".png"))
    with Image.open(frame) as picture:
        picture.thumbnail((THUMB_WIDTH, THUMB_WIDTH))
        picture.convert("RGB").save(out.with_suffix(".part.jpg"), "JPEG", quality=80)
    frame.unlink(missing_ok=True)
    out.with_suffix(".part.jpg").replace(out)
    return out
