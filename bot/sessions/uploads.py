"""Uploads: take a file into a session (download with a byte cap, probe, check, face
pre-check), keep a refused one aside with one-click fixes, apply a fix, and derive new
assets from a video (its sound, a moment as an image). Limits: :mod:`bot.seedance.limits`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import aiohttp

from bot.errors import AssetRejected, CallsheetError, FixableUpload, SessionNotFound
from bot.guilds.service import GuildConfigs
from bot.media.faces import detect_faces
from bot.media.fixes import FixError, FixOption, extract_audio, plan_fixes, video_frame
from bot.media.fixes import apply_fix as fix_file
from bot.media.intake import DownloadedFile, copy_into, download, probe_upload
from bot.providers.registry import ProviderRegistry
from bot.seedance.checks import check_in_session, check_upload
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.roles import suggest_role
from bot.seedance.session import Asset, Session
from bot.seedance.templates import get_template, missing_slots
from bot.sessions.service import Sessions
from bot.text import file_label
from bot.words import say
from bot.workers import WorkerPool
from storage.sessions import SessionRepository

log = logging.getLogger(__name__)


class Uploads:
    """The uploads service.

    Args:
        sessions: the sessions service (ownership, assets).
        repo: the sessions and assets repository (assets, kept-aside uploads).
        guild_configs: each guild's configuration (face check).
        providers: the provider each guild uses (its limits).
        data_dir: media live under ``data_dir/sessions/<id>/``.
        http: HTTP session for downloading uploads.
        media_pool: where probes, face checks, fixes and frame grabs run (off the loop).
        clock: returns the current UTC time.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        repo: SessionRepository,
        guild_configs: GuildConfigs,
        providers: ProviderRegistry,
        data_dir: Path,
        http: aiohttp.ClientSession,
        media_pool: WorkerPool,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.repo = repo
        self.guild_configs = guild_configs
        self.providers = providers
        self.data_dir = data_dir
        self.http = http
        self.media_pool = media_pool
        self.clock = clock

    async def add_asset(
        self, session_id: int, user_id: int, *, url: str, filename: str, declared_size: int
    ) -> Asset:
        """Download, identify, probe and check one upload; store it numbered and with a
        suggested role.

        ``declared_size`` (bytes, from Discord) refuses an obviously oversized file before
        downloading; the download itself is capped by bytes actually received.

        Raises:
            AssetRejected: it broke a limit or is not a readable media file (nothing kept).
            SessionNotFound: the session is not the member's or not open.
        """
        session = await self.sessions.owned(session_id, user_id)
        limits = await self.providers.limits_for(session.guild_id)
        cap = limits.max_download_bytes
        if declared_size > cap:
            raise AssetRejected(
                say(
                    "upload-too-large", file=file_label(filename), mb=cap // 2**20,
                    size=round(declared_size / 2**20, 1),
                )
            )  # fmt: skip
        folder = self.data_dir / "sessions" / str(session_id)
        fetched = await download(self.http, url, folder, cap, filename)
        return await self._accept(session_id, fetched, filename)

    async def add_file(self, session_id: int, user_id: int, path: Path, filename: str) -> Asset:
        """Add a local file (a finished result) to the session, with the same checks as an
        upload.

        Raises:
            AssetRejected / SessionNotFound: as :meth:`add_asset`.
        """
        await self.sessions.owned(session_id, user_id)
        folder = self.data_dir / "sessions" / str(session_id)
        fetched = await asyncio.to_thread(copy_into, path, folder)
        return await self._accept(session_id, fetched, filename)

    async def _accept(self, session_id: int, fetched: DownloadedFile, filename: str) -> Asset:
        """Probe, de-duplicate, check and face-check a file that is already in the
        session's folder; keep it under its content hash, or keep it aside with one-click
        fixes (:class:`FixableUpload`), or delete it and raise.

        Raises:
            FixableUpload: broke limits a transform cures (the original is kept).
            AssetRejected: anything else (nothing kept).
        """
        try:
            session = await self.sessions.get(session_id)
            config = await self.guild_configs.get(session.guild_id)
            limits = self.providers.for_config(config).profile.limits
            info = await self.media_pool.run(probe_upload, fetched.path, filename)
            duplicate = await self.repo.asset_by_sha256(session_id, fetched.sha256)
            if duplicate is not None:
                raise AssetRejected(
                    say("upload-duplicate", file=file_label(filename), tag=duplicate.tag)
                )
            try:
                check_upload(info, session.assets, limits, filename)
            except AssetRejected as refusal:
                await self._offer_fixes(session, fetched, info, limits, filename, refusal)
                raise
            face_flag = await self._face_check(config.face_check, fetched.path, info, filename)
            final = fetched.path.parent / f"{fetched.sha256[:16]}.{info.extension}"
            await asyncio.to_thread(shutil.move, fetched.path, final)
        except FixableUpload:
            raise
        except BaseException:
            fetched.path.unlink(missing_ok=True)
            raise
        role = suggest_role(info.kind, [a.role for a in session.assets])
        if session.template is not None:  # the template's next empty slot of this kind
            slot = next(
                (s for s in missing_slots(get_template(session.template), session)
                 if s.kind == info.kind),
                None,
            )  # fmt: skip
            role = slot.role if slot is not None else role
        asset_id = await self.repo.add_asset(
            session_id=session_id,
            now=self.clock(),
            kind=info.kind,
            role=role,
            path=str(final),
            filename=filename,
            sha256=fetched.sha256,
            **info.asset_fields(),
            face_flag=face_flag,
        )
        asset = await self.sessions.asset(asset_id)
        log.info("session %s: %s accepted (%s, %s)", session_id, asset.tag, info.format, role)
        return asset

    async def _offer_fixes(
        self,
        session: Session,
        fetched: DownloadedFile,
        info: MediaInfo,
        limits: Limits,
        filename: str,
        refusal: AssetRejected,
    ) -> None:
        """If transforms can cure the refusal, keep the original aside and raise
        :class:`FixableUpload` with the options; otherwise return (the caller re-raises)."""
        left = {
            kind: max(
                0.0,
                (limits.for_kind(kind).max_total_duration_s or 0.0)
                - session.total_duration_s(kind),
            )
            for kind in ("video", "audio")
        }
        # A trim keeps only what the session's clip can show (its duration).
        options = plan_fixes(info, limits, left["video"], left["audio"], session.duration_s)
        counts_ok = not check_in_session(replace(info, duration_s=None), session.assets, limits)
        if not options or not counts_ok:
            return
        folder = fetched.path.parent / "pending"
        folder.mkdir(exist_ok=True)
        kept = folder / f"{fetched.sha256[:16]}.{info.extension}"
        await asyncio.to_thread(shutil.move, fetched.path, kept)
        pending_id = await self.repo.add_pending(
            session.id,
            session.user_id,
            str(kept),
            filename,
            json.dumps([o.to_dict() for o in options]),
            self.clock(),
        )
        raise FixableUpload(
            say("upload-fixable", refusal=refusal.phrase),
            pending_id,
            [(o.key, o.label) for o in options],
        )

    async def _face_check(self, mode: str, path: Path, info: MediaInfo, filename: str) -> str:
        """Run the face pre-check (seeds 000, 002, 004: providers reject realistic faces).

        Returns the asset's face flag ("none" or "warned").

        Raises:
            AssetRejected: a face was found and the guild blocks them.
        """
        if mode == "off" or info.kind == "audio":
            return "none"
        finding = await self.media_pool.run(detect_faces, path, info.kind)
        if not finding.found:
            return "none"
        if mode == "block":
            raise AssetRejected(say("upload-face-blocked", file=file_label(filename)))
        return "warned"

    async def apply_fix(
        self,
        pending_id: int,
        option_key: str,
        user_id: int,
        progress: Callable[[float], None] | None = None,
    ) -> Asset:
        """Apply a one-click fix to a kept upload (in a worker thread) and add the result
        as an asset; the original stays on disk.

        Raises:
            CallsheetError: not the member's, already fixed, or the fix failed.
            AssetRejected: the fixed file still breaks a limit.
        """
        pending = await self.repo.pending(pending_id)
        if pending is None or pending.user_id != user_id:
            raise SessionNotFound(say("fix-not-yours"))
        session = await self.sessions.owned(pending.session_id, user_id)
        options = [FixOption.from_dict(o) for o in json.loads(pending.options_json)]
        option = next((o for o in options if o.key == option_key), None)
        if option is None:
            raise CallsheetError(say("fix-gone"))
        if not await self.repo.resolve_pending(pending_id, self.clock()):
            raise CallsheetError(say("fix-done-already"))
        limits = await self.providers.limits_for(session.guild_id)
        source = pending.path
        out = source.parent / f"fixed-{pending_id}.{option.extension}"
        try:
            await self.media_pool.run(fix_file, option, source, out, limits, progress)
        except FixError as exc:
            raise CallsheetError(say("fix-failed", reason=exc.phrase)) from exc
        stem = Path(pending.filename).stem
        try:
            return await self.add_file(session.id, user_id, out, f"{stem}-fixed.{option.extension}")
        finally:
            out.unlink(missing_ok=True)  # add_file kept its own copy

    async def derive_asset(
        self, asset_id: int, user_id: int, what: str, at_s: float = 0.0
    ) -> Asset:
        """A new asset from a video asset: its sound track ("audio"; seed 004 "use @Video1
        audio") or the frame at ``at_s`` seconds ("frame": "use this moment as the first
        frame").

        Raises:
            CallsheetError: the video has no sound, or the result breaks a limit.
        """
        source = await self.sessions.asset(asset_id)
        session = await self.sessions.owned(source.session_id, user_id)
        limits = await self.providers.limits_for(session.guild_id)
        folder = source.path.parent
        try:
            if what == "audio":
                out = folder / f"audio-of-{asset_id}.mp3"
                await self.media_pool.run(extract_audio, source.path, out)
                name = f"{Path(source.filename).stem}-sound.mp3"
            else:
                out = folder / f"frame-{asset_id}-{at_s:.2f}.png"
                await self.media_pool.run(video_frame, source.path, out, at_s, limits)
                name = f"{Path(source.filename).stem}-{at_s:.1f}s.png"
        except FixError as exc:
            raise CallsheetError(exc.phrase) from exc
        asset = await self.add_file(session.id, user_id, out, name)
        if what == "frame":
            await self.sessions.set_role(asset.id, user_id, "first_frame")
            asset = await self.sessions.asset(asset.id)
        return asset

    async def fetch_for_job(self, job_id: int, url: str, filename: str) -> Path:
        """Download an image a member gives to build on ``job_id`` (an edit); its path.

        Capped at the image limit (seed 001: ≤ 30 MB per image).

        Raises:
            AssetRejected: larger than the limit, or the download failed.
        """
        folder = self.data_dir / "jobs" / str(job_id)
        limit = DEFAULT_LIMITS.image.max_bytes
        return (await download(self.http, url, folder, limit, filename)).path
