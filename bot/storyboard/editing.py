"""Editing a storyboard before it starts: its shot list (add, edit, move, remove, the cut
before each shot), which references belong to one shot only, and its soundtrack. Part of
:class:`bot.storyboard.service.Storyboards` (the methods the Discord layer calls).

Limits: at most eight shots (issue 17), each 4–15 s (seeds 000, 001; the guild's provider
and its maximum clip length may narrow it); a shot's prompt as written at most
:data:`MAX_PROMPT_CHARS` characters (the request's own limit, seed 001: ≤ 1000 words /
500 Chinese characters, is checked when the shot is compiled, in the quote).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiohttp

from bot.errors import CallsheetError, SessionNotFound
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.media.intake import download
from bot.media.probe import probe
from bot.providers.registry import ProviderRegistry
from bot.seedance.session import unknown_tags
from bot.sessions.service import Sessions
from bot.storyboard.model import CONTINUITIES, MAX_SHOTS, Continuity, FilmAudio, Shot, Storyboard
from bot.storyboard.runs import Director
from bot.text import file_label
from bot.words import say
from bot.workers import WorkerPool
from storage.storyboards import StoryboardRepository

MAX_PROMPT_CHARS = 4000
"""A shot's prompt as written, at most (stored text; the request's own limit, seed 001:
≤ 1000 words / 500 Chinese characters, is checked when the shot is compiled)."""


class ShotList:
    """The editing half of :class:`bot.storyboard.service.Storyboards`."""

    sessions: Sessions
    repo: StoryboardRepository
    guild_configs: GuildConfigs
    registry: ProviderRegistry
    http: aiohttp.ClientSession
    media_pool: WorkerPool
    clock: Callable[[], datetime]
    director: Director
    media: MediaStore

    async def get(self, storyboard_id: int) -> Storyboard:
        raise NotImplementedError  # Storyboards.get

    async def owned(self, storyboard_id: int, user_id: int) -> Storyboard:
        raise NotImplementedError  # Storyboards.owned

    async def _shot(self, shot_id: int, user_id: int) -> tuple[Storyboard, Shot]:
        storyboard_id = await self.repo.of_shot(shot_id)
        if storyboard_id is None:
            raise SessionNotFound(say("storyboard-shot-gone"))
        board = await self.owned(storyboard_id, user_id)
        shot = board.shot(shot_id)
        if shot is None:
            raise SessionNotFound(say("storyboard-shot-gone"))
        return board, shot

    async def add_shot(
        self,
        storyboard_id: int,
        user_id: int,
        prompt: str,
        duration_s: int,
        continuity: Continuity = "cut",
    ) -> Storyboard:
        """Add a shot at the end of the list.

        Args:
            prompt: what happens (``@tags`` name the storyboard's assets); stripped; at
                most :data:`MAX_PROMPT_CHARS` characters as written.
            duration_s: 4–15 s (seeds 000, 001; the guild's provider and its maximum
                clip length may narrow it).
            continuity: the cut before it (the first shot's is always ``cut``).

        Raises:
            CallsheetError: 8 shots already (issue 17), a length out of range, an empty
                or too long prompt, an unknown ``@tag``, or the storyboard has started;
                SessionNotFound: not theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        self._editable(board)
        if len(board.shots) >= MAX_SHOTS:
            raise CallsheetError(say("storyboard-full", most=MAX_SHOTS))
        text = await self._checked(board, prompt, duration_s)
        _check_continuity(continuity)
        if not await self.repo.add_shot(board.id, text, duration_s, continuity, self.clock()):
            raise CallsheetError(say("storyboard-locked"))  # started or filled meanwhile
        return await self.get(board.id)

    async def edit_shot(
        self,
        shot_id: int,
        user_id: int,
        *,
        prompt: str | None = None,
        duration_s: int | None = None,
    ) -> Storyboard:
        """Change a shot's prompt and/or length (``None``: unchanged); the same checks as
        :meth:`add_shot`.

        Raises:
            CallsheetError: as :meth:`add_shot`; SessionNotFound: no such shot of theirs.
        """
        board, shot = await self._shot(shot_id, user_id)
        self._editable(board)
        text = await self._checked(
            board, shot.prompt if prompt is None else prompt,
            shot.duration_s if duration_s is None else duration_s,
        )  # fmt: skip
        if not await self.repo.update_shot(shot.id, self.clock(), prompt=text,
                                           duration_s=duration_s):  # fmt: skip
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def move_shot(self, shot_id: int, user_id: int, step: int) -> Storyboard:
        """Move a shot ``step`` places (-1 earlier, +1 later), clamped to the ends; the
        cuts stay with the shots (a shot moved first becomes ``cut``).

        Raises:
            CallsheetError: the storyboard has started; SessionNotFound: not theirs.
        """
        board, shot = await self._shot(shot_id, user_id)
        self._editable(board)
        if not await self.repo.move_shot(shot.id, step, self.clock()):
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def remove_shot(self, shot_id: int, user_id: int) -> Storyboard:
        """Take a shot out (its references become storyboard-wide again; the next shot,
        if it becomes the first, becomes ``cut``).

        Raises:
            CallsheetError: the storyboard has started; SessionNotFound: not theirs.
        """
        board, shot = await self._shot(shot_id, user_id)
        self._editable(board)
        if not await self.repo.remove_shot(shot.id, self.clock()):
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def set_continuity(
        self, shot_id: int, user_id: int, continuity: Continuity
    ) -> Storyboard:
        """Choose the cut before a shot: ``continue``, ``cut`` or ``match``
        (:data:`bot.storyboard.model.Continuity`).

        Raises:
            CallsheetError: an unknown value, the first shot (nothing before it) asked to
                continue or match, a shot with its own first frame asked to continue, or
                the storyboard has started; SessionNotFound: not theirs.
        """
        board, shot = await self._shot(shot_id, user_id)
        self._editable(board)
        _check_continuity(continuity)
        if shot.position == 1 and continuity != "cut":
            raise CallsheetError(say("storyboard-first-shot-cut"))
        if continuity == "continue":
            own = [a.tag for a in shot.references + board.references if a.role == "first_frame"]
            if own:
                raise CallsheetError(
                    say("storyboard-continue-own-frame", shot=shot.position, tag=own[0])
                )
        if not await self.repo.update_shot(shot.id, self.clock(), continuity=continuity):
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def attach_reference(
        self, asset_id: int, user_id: int, shot_id: int | None
    ) -> Storyboard:
        """Make one of the storyboard's assets (uploaded to its session as usual) a
        reference of one shot only, or storyboard-wide again (``shot_id`` ``None``).

        Raises:
            CallsheetError: the storyboard has started, or the asset is a first frame and
                the shot continues the one before it; SessionNotFound: not their asset,
                or not of the same storyboard as the shot.
        """
        asset = await self.sessions.asset(asset_id)
        storyboard_id = await self.repo.of_session(asset.session_id)
        if storyboard_id is None:
            raise SessionNotFound(say("storyboard-asset-elsewhere"))
        board = await self.owned(storyboard_id, user_id)
        self._editable(board)
        if shot_id is not None:
            shot = board.shot(shot_id)
            if shot is None:
                raise SessionNotFound(say("storyboard-asset-elsewhere"))
            if shot.follows_previous and asset.role == "first_frame":
                raise CallsheetError(
                    say("storyboard-continue-own-frame", shot=shot.position, tag=asset.tag)
                )
        if not await self.repo.claim_asset(asset.id, shot_id, board.id):
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def set_soundtrack(
        self, storyboard_id: int, user_id: int, path: Path, filename: str
    ) -> Storyboard:
        """Take the local sound file ``path`` as the storyboard's soundtrack (copied into
        the storyboard's folder). It is split at the shots' boundaries when the
        storyboard starts, each shot getting its part as an audio reference (seeds 000,
        001, 004: 2–15 s, MP3), and laid under the film unless the member chooses the
        shots' own sound (:meth:`set_film_audio`).

        Raises:
            CallsheetError: not a sound file that can be read, or the storyboard has
                started; SessionNotFound: not theirs.
        """
        board = await self.owned(storyboard_id, user_id)
        self._editable(board)
        try:
            info = await self.media_pool.run(probe, path)
        except Exception as exc:  # a probe refuses what it can't read in many ways
            raise CallsheetError(say("storyboard-soundtrack-unreadable",
                                     file=file_label(filename))) from exc  # fmt: skip
        if info.kind != "audio" or not info.duration_s:
            raise CallsheetError(say("storyboard-soundtrack-unreadable", file=file_label(filename)))
        kept = self.director.folder(board.id) / f"soundtrack{path.suffix.lower()[:8]}"
        if path != kept:
            await self.media_pool.run(lambda: kept.write_bytes(path.read_bytes()))
        key = await self.media.put(kept)
        if not await self.repo.set_sound(board.id, self.clock(),
                                         soundtrack=(key, filename, info.duration_s)):  # fmt: skip
            raise CallsheetError(say("storyboard-locked"))
        return await self.get(board.id)

    async def add_soundtrack(
        self, storyboard_id: int, user_id: int, *, url: str, filename: str, declared_size: int
    ) -> Storyboard:
        """Download an attachment (capped at the guild's largest upload, as
        ``Uploads.add_asset``) and take it as the soundtrack (:meth:`set_soundtrack`).

        Raises:
            AssetRejected: larger than the cap, or the download failed; and as
                :meth:`set_soundtrack`.
        """
        board = await self.owned(storyboard_id, user_id)
        self._editable(board)
        cap = (await self.registry.limits_for(board.guild_id)).max_download_bytes
        if declared_size > cap:
            raise CallsheetError(
                say("upload-too-large", file=file_label(filename), mb=cap // 2**20,
                    size=round(declared_size / 2**20, 1))
            )  # fmt: skip
        folder = self.director.folder(board.id) / "incoming"
        fetched = await download(self.http, url, folder, cap, filename)
        try:
            return await self.set_soundtrack(board.id, user_id, fetched.path, filename)
        finally:
            fetched.path.unlink(missing_ok=True)

    async def set_film_audio(
        self, storyboard_id: int, user_id: int, film_audio: FilmAudio
    ) -> Storyboard:
        """What the film sounds like: ``soundtrack`` (the default) or ``shots`` (their own
        generated sound); any time (a re-stitch uses the new choice).

        Raises:
            CallsheetError: an unknown value; SessionNotFound: not theirs.
        """
        if film_audio not in ("soundtrack", "shots"):
            raise CallsheetError(say("storyboard-unknown-choice"))
        board = await self.owned(storyboard_id, user_id)
        await self.repo.set_sound(board.id, self.clock(), film_audio=film_audio)
        return await self.get(board.id)

    def _editable(self, board: Storyboard) -> None:
        if board.started_at is not None:
            raise CallsheetError(say("storyboard-locked"))

    async def _checked(self, board: Storyboard, prompt: str, duration_s: int) -> str:
        text = prompt.replace("\x00", "").strip()  # PostgreSQL's text holds no NUL
        if not text:
            raise CallsheetError(say("storyboard-prompt-empty"))
        if len(text) > MAX_PROMPT_CHARS:
            raise CallsheetError(
                say("storyboard-prompt-too-long", most=MAX_PROMPT_CHARS, length=len(text))
            )
        config = await self.guild_configs.get(board.guild_id)
        limits = await self.registry.limits_for(board.guild_id)
        longest = min(limits.max_output_s, config.max_duration_s)
        if not limits.min_output_s <= duration_s <= longest:
            raise CallsheetError(
                say("storyboard-shot-length", low=limits.min_output_s, high=longest,
                    asked=duration_s)
            )  # fmt: skip
        session = await self.sessions.get(board.session_id)
        unknown = unknown_tags(text, session)
        if unknown:
            have = ", ".join(a.tag for a in session.assets) or "none"
            raise CallsheetError(say("problem-unknown-tags", tags=", ".join(unknown), have=have))
        return text


def _check_continuity(continuity: str) -> None:
    if continuity not in CONTINUITIES:
        raise CallsheetError(say("storyboard-unknown-choice"))
