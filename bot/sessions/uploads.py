"""Uploads: take a file into a session (download with a byte cap, probe, check, face
pre-check), keep a refused one aside with one-click fixes, apply a fix, and derive new
assets from a video (its sound, a moment as an image). Limits: :mod:`bot.seedance.limits`.

Phone photos are taken as the member means them: a HEIC photo is converted to JPEG, and a
motion photo (a still with a short video appended) keeps its still, re-encoded without the
video, and offers the video as an asset of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import aiohttp

from bot.errors import AssetRejected, CallsheetError, FixableUpload, SessionNotFound
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.media.faces import detect_faces, preview_path
from bot.media.fixes import (
    FixError,
    FixOption,
    extract_audio,
    fit_image,
    plan_fixes,
    video_frame,
)
from bot.media.fixes import apply_fix as fix_file
from bot.media.intake import DownloadedFile, copy_into, download, probe_upload
from bot.media.looks import measure_image
from bot.media.motion import extract_video
from bot.providers.registry import ProviderRegistry
from bot.seedance.checks import check_room, check_upload
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.roles import suggest_image_role, suggest_role
from bot.seedance.session import Asset, Session
from bot.seedance.templates import get_template, missing_slots
from bot.sessions.service import Sessions
from bot.text import file_label
from bot.words import Phrase, say
from bot.workers import WorkerPool
from storage.sessions import SessionRepository

log = logging.getLogger(__name__)

#: Image formats that are converted to JPEG on the way in instead of refused (phones).
CONVERTED_IMAGE_FORMATS = {"heic": "HEIC"}


@dataclass(frozen=True)
class Added:
    """An upload taken into the session.

    Attributes:
        asset: the new asset.
        notes: what was done on the way in, as sentences for the member ("It was
            converted from HEIC to JPEG."), in order.
        clip: the video a motion photo carried, offered as an asset of its own (the offer
            an upload of it would raise), or ``None``.
    """

    asset: Asset
    notes: tuple[Phrase, ...] = ()
    clip: FixableUpload | None = None


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
        media: where accepted files are kept by key and kept-aside ones fetched from
            (:mod:`bot.hosting.store`); by default this machine's ``data_dir``.
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
        media: MediaStore | None = None,
    ) -> None:
        self.sessions = sessions
        self.media = media or MediaStore(data_dir)
        self.repo = repo
        self.guild_configs = guild_configs
        self.providers = providers
        self.data_dir = data_dir
        self.http = http
        self.media_pool = media_pool
        self.clock = clock

    async def admit(
        self, session_id: int, user_id: int, files: Sequence[tuple[str, str | None]]
    ) -> list[Phrase | None]:
        """Which of one message's files (name, declared content type) to download: the
        session's count limits, checked before anything is read
        (:func:`bot.seedance.checks.check_room`); per file ``None`` or its refusal.

        Raises:
            SessionNotFound: the session is not the member's or not open.
        """
        session = await self.sessions.owned(session_id, user_id)
        limits = await self.providers.limits_for(session.guild_id)
        return check_room(files, session.assets, limits)

    async def add_asset(
        self, session_id: int, user_id: int, *, url: str, filename: str, declared_size: int
    ) -> Added:
        """Download, identify, probe and check one upload; store it numbered and with a
        suggested role (a HEIC or motion photo as its still, see the module docstring).

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
        with self.sessions.incoming(session_id):
            fetched = await download(self.http, url, folder, cap, filename)
            return await self._accept(session_id, fetched, filename)

    async def add_file(self, session_id: int, user_id: int, path: Path, filename: str) -> Asset:
        """Add a local file (a finished result) to the session, with the same checks as an
        upload.

        Raises:
            AssetRejected / SessionNotFound: as :meth:`add_asset`.
        """
        await self.sessions.owned(session_id, user_id)
        return (await self._add_copy(session_id, path, filename)).asset

    async def _add_copy(self, session_id: int, path: Path, filename: str) -> Added:
        """:meth:`_accept` a copy of the local file ``path`` (``path`` stays)."""
        folder = self.data_dir / "sessions" / str(session_id)
        fetched = await asyncio.to_thread(copy_into, path, folder)
        return await self._accept(session_id, fetched, filename)

    async def _accept(self, session_id: int, fetched: DownloadedFile, filename: str) -> Added:
        """Probe, de-duplicate, check and face-check a file that is already in the
        session's folder; keep it under its content hash, or keep it aside with one-click
        fixes (:class:`FixableUpload`), or delete it and raise.

        Raises:
            FixableUpload: broke limits a fix cures (the original is kept).
            AssetRejected: anything else (nothing kept).
            MediaUnreachable: the shared media store can't be reached (nothing kept: the
                member posts it again).
        """
        final: Path | None = None
        try:
            session = await self.sessions.get(session_id)
            config = await self.guild_configs.get(session.guild_id)
            limits = self.providers.for_config(config).profile.limits
            info = await self.media_pool.run(probe_upload, fetched.path, filename)
            if info.kind == "image" and (
                info.embedded_video is not None or info.format in CONVERTED_IMAGE_FORMATS
            ):
                return await self._take_photo(session, fetched, info, limits, filename)
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
            final = fetched.path.parent / f"{fetched.sha256[:16]}.{info.extension}"
            face_flag = await self._face_check(
                config.face_check, fetched.path, info, filename, preview_path(final)
            )
            role = suggest_role(info.kind, [a.role for a in session.assets])
            if info.kind == "image":  # suggested from what it shows
                looks = await self.media_pool.run(
                    measure_image, fetched.path, face_flag == "warned"
                )
                first = not session.assets_of("image")
                role = suggest_image_role(looks, first, session.ratio)
            await asyncio.to_thread(shutil.move, fetched.path, final)
            key = await self.media.put(final)
        except FixableUpload:
            raise
        except BaseException:
            fetched.path.unlink(missing_ok=True)
            if final is not None:  # moved there, then not stored
                final.unlink(missing_ok=True)
            raise
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
            path=key,
            filename=filename,
            sha256=fetched.sha256,
            **info.asset_fields(),
            face_flag=face_flag,
            role_suggested=True,
        )
        asset = await self.sessions.asset(asset_id)
        log.info("session %s: %s accepted (%s, %s)", session_id, asset.tag, info.format, role)
        replaced = await self.sessions.take_replacement(asset)
        if replaced is not None:  # it took the place of the asset the member replaces
            asset = await self.sessions.asset(asset_id)
            return Added(asset, replaced.notes)
        return Added(asset)

    async def _take_photo(
        self,
        session: Session,
        fetched: DownloadedFile,
        info: MediaInfo,
        limits: Limits,
        filename: str,
    ) -> Added:
        """Take a phone photo as its still: a HEIC converted to JPEG, or a motion photo's
        still re-encoded as a clean JPEG (nothing appended is stored), its video kept aside
        and offered as a video asset when one can be made of it.

        Raises:
            FixableUpload / AssetRejected: the still was refused, as :meth:`_accept`.
        """
        folder = fetched.path.parent
        still = folder / f"still-{fetched.sha256[:16]}.jpg"
        clip = folder / "pending" / f"{fetched.sha256[:16]}-video.mp4"
        span = info.embedded_video
        try:
            await self.media_pool.run(fit_image, fetched.path, still, limits, fmt="jpeg")
            if span is not None:
                await self.media_pool.run(extract_video, fetched.path, span, clip)
            added = await self._add_copy(session.id, still, filename)
        except BaseException as exc:
            clip.unlink(missing_ok=True)
            if isinstance(exc, FixError):
                refusal = say("upload-refused", file=file_label(filename), reason=exc.phrase)
                raise AssetRejected(refusal) from exc
            raise
        finally:
            fetched.path.unlink(missing_ok=True)
            still.unlink(missing_ok=True)
        if span is None:
            note = say("upload-converted", format=CONVERTED_IMAGE_FORMATS[info.format])
            return replace(added, notes=(note,))
        note = say("upload-motion-still")
        return await self._offer_clip(replace(added, notes=(note,)), clip, limits, filename)

    async def _offer_clip(self, added: Added, clip: Path, limits: Limits, filename: str) -> Added:
        """Offer a motion photo's video (kept aside at ``clip``) as a video asset: as it is,
        or through the fixes it needs; when none can make it one, say why instead."""
        session = await self.sessions.get(added.asset.session_id)
        name = f"{Path(filename).stem}-video.mp4"
        try:
            info = await self.media_pool.run(probe_upload, clip, name)
        except AssetRejected as unreadable:
            clip.unlink(missing_ok=True)
            return replace(added, notes=(*added.notes, unreadable.phrase))
        seconds = round(info.duration_s or 0.0, 1)
        try:
            check_upload(info, session.assets, limits, name)
        except AssetRejected as refusal:
            options = plan_fixes(info, limits, session.assets, session.duration_s)
            if not options:
                clip.unlink(missing_ok=True)
                return replace(added, notes=(*added.notes, refusal.phrase))
            text = say("upload-motion-video-fixable", s=seconds, refusal=refusal.phrase)
        else:
            label = say("fix-keep-video", s=seconds)
            options = [FixOption("keep", label, "keep", {"ext": info.extension})]
            text = say("upload-motion-video", s=seconds)
        return replace(added, clip=await self._keep_aside(session, clip, name, options, text))

    async def _offer_fixes(
        self,
        session: Session,
        fetched: DownloadedFile,
        info: MediaInfo,
        limits: Limits,
        filename: str,
        refusal: AssetRejected,
    ) -> None:
        """If fixes can cure the refusal, keep the original aside and raise
        :class:`FixableUpload` with the options; otherwise return (the caller re-raises)."""
        # A trim keeps only what the session's clip can show (its duration).
        options = plan_fixes(info, limits, session.assets, session.duration_s)
        if not options:
            return
        folder = fetched.path.parent / "pending"
        folder.mkdir(exist_ok=True)
        kept = folder / f"{fetched.sha256[:16]}.{info.extension}"
        await asyncio.to_thread(shutil.move, fetched.path, kept)
        # The options of one plan share their warning (the same enlargement).
        warning = next((o.note for o in options if o.note is not None), None)
        text = say("upload-fixable", refusal=refusal.phrase)
        if warning is not None:
            text = say("upload-fixable-warned", refusal=refusal.phrase, warning=warning)
        raise await self._keep_aside(session, kept, filename, options, text)

    async def _keep_aside(
        self, session: Session, path: Path, filename: str, options: list[FixOption], text: Phrase
    ) -> FixableUpload:
        """Record the file at ``path`` (in the session's ``pending`` folder) as a kept
        upload with ``options``; the offer to show the member (``text`` and buttons)."""
        try:
            key = await self.media.put(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        pending_id = await self.repo.add_pending(
            session.id,
            session.user_id,
            key,
            filename,
            json.dumps([o.to_dict() for o in options]),
            self.clock(),
        )
        return FixableUpload(text, session.id, pending_id, [(o.key, o.label) for o in options])

    async def _face_check(
        self, mode: str, path: Path, info: MediaInfo, filename: str, preview: Path
    ) -> str:
        """Run the face pre-check (seeds 000, 002, 004: providers reject realistic faces)
        on an image or a few frames of a video; a flagged picture or frame is written to
        ``preview`` with the faces outlined (:func:`bot.media.faces.preview_path`).

        Returns the asset's face flag ("none" or "warned").

        Raises:
            AssetRejected: a face was found and the guild blocks them.
        """
        if mode == "off" or info.kind == "audio":
            return "none"
        finding = await self.media_pool.run(detect_faces, path, info.kind, preview)
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
    ) -> Added:
        """Apply a one-click fix to a kept upload (in a worker thread) and add the result
        as an asset; the original stays on disk. A "Remove @…" fix removes that asset and
        takes the kept upload again (as it is, or offering the fixes it needs then).

        Raises:
            CallsheetError: not the member's, already fixed, or the fix failed.
            MediaUnreachable: the kept file can't be fetched from the shared media store
                (nothing changed: the offer still stands).
            FixableUpload: the file needs a fix still (after a removal, or when the session
                changed since the offer): the new offer.
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
        source = await self.media.fetch(pending.key)  # unreachable: the offer still stands
        if not await self.repo.resolve_pending(pending_id, self.clock()):
            raise CallsheetError(say("fix-done-already"))
        if option.kind == "remove_asset":
            return await self._make_room(session.id, user_id, pending.filename, source, option)
        limits = await self.providers.limits_for(session.guild_id)
        out = source.parent / f"fixed-{pending_id}.{option.extension}"
        with self.sessions.incoming(session.id):
            try:
                await self.media_pool.run(fix_file, option, source, out, limits, progress)
            except FixError as exc:
                raise CallsheetError(say("fix-failed", reason=exc.phrase)) from exc
            name = pending.filename
            if option.kind != "keep":
                name = f"{Path(pending.filename).stem}-fixed.{option.extension}"
            try:
                return await self._add_copy(session.id, out, name)
            finally:
                out.unlink(missing_ok=True)  # _add_copy kept its own copy

    async def _make_room(
        self, session_id: int, user_id: int, filename: str, kept: Path, option: FixOption
    ) -> Added:
        """Remove the asset ``option`` names, then take the kept upload (``kept``, here)
        again.

        Raises:
            FixableUpload / AssetRejected: as :meth:`_accept`, saying what was removed.
        """
        removed = await self.sessions.asset(int(option.params["asset_id"]))
        await self.sessions.remove_asset(removed.id, user_id)
        try:
            added = await self._add_copy(session_id, kept, filename)
        except FixableUpload as offer:
            phrase = say("fix-made-room-then", tag=removed.tag, next=offer.phrase)
            raise offer.reworded(phrase) from None
        except AssetRejected as refusal:
            raise AssetRejected(
                say("fix-made-room-then", tag=removed.tag, next=refusal.phrase)
            ) from None
        return replace(added, notes=(say("fix-made-room", tag=removed.tag), *added.notes))

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
        video = await self.media.fetch(source.key)
        folder = video.parent
        try:
            if what == "audio":
                out = folder / f"audio-of-{asset_id}.mp3"
                await self.media_pool.run(extract_audio, video, out)
                name = f"{Path(source.filename).stem}-sound.mp3"
            else:
                out = folder / f"frame-{asset_id}-{at_s:.2f}.png"
                await self.media_pool.run(video_frame, video, out, at_s, limits)
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
