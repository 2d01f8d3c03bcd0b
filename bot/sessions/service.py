"""Sessions: open, find, close and expire them; their assets' roles and face answers; the
prompt; the asset board. Every call that changes a session checks that the caller owns it
(docs/ARCHITECTURE.md). Errors are :class:`bot.errors.CallsheetError` subclasses whose
text is the member-facing message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import CallsheetError, PromptRefused, SessionNotFound
from bot.guilds.config import SessionThreads
from bot.guilds.service import GuildConfigs
from bot.hosting.store import MediaStore
from bot.media.board import render_board
from bot.providers.registry import ProviderRegistry
from bot.seedance.roles import roles_for
from bot.seedance.session import Asset, Session, SessionState, rearrange, unknown_tags
from bot.seedance.templates import Template
from bot.sessions.settings import Choices, apply_setting, offered_settings
from bot.text import file_label
from bot.words import ENGLISH, Phrase, say, shipped_locale
from bot.workers import WorkerPool
from storage.sessions import SessionExists, SessionRepository

log = logging.getLogger(__name__)

SessionEnded = Callable[[Session], Awaitable[None]]
"""Told when a session stops being open (closed by its owner, or expired after idling)."""


@dataclass(frozen=True)
class Changed:
    """A session after a change the member asked for, and what to tell them about it
    (``notes``: e.g. a removed asset's tag taken out of the prompt)."""

    session: Session
    notes: tuple[Phrase, ...] = ()


class Sessions:
    """The sessions service.

    Args:
        repo: the sessions and assets repository.
        guild_configs: each guild's configuration (defaults, channels, idle timeout).
        providers: the provider each guild uses (its limits bound durations).
        data_dir: boards live under ``data_dir/boards/``.
        render_pool: where boards are drawn (off the event loop, bounded).
        clock: returns the current UTC time.
        media: where the assets' files are fetched from to draw them
            (:mod:`bot.hosting.store`); by default this machine's ``data_dir``.
    """

    def __init__(
        self,
        *,
        repo: SessionRepository,
        guild_configs: GuildConfigs,
        providers: ProviderRegistry,
        data_dir: Path,
        render_pool: WorkerPool,
        clock: Callable[[], datetime],
        media: MediaStore | None = None,
    ) -> None:
        self.repo = repo
        self.media = media or MediaStore(data_dir)
        self.guild_configs = guild_configs
        self.providers = providers
        self.data_dir = data_dir
        self.render_pool = render_pool
        self.clock = clock
        self._empty_boards: dict[str, Path] = {}  # repr(limits) → the empty board drawn once
        self._empty_board_lock = asyncio.Lock()
        self._incoming: dict[int, int] = {}  # session id → files being taken in now
        self._end_listeners: list[SessionEnded] = []

    def add_end_listener(self, listener: SessionEnded) -> None:
        """Call ``listener`` with each session this process closes or expires, after the
        state is written (e.g. a storyboard lets go of the shots it still holds back)."""
        self._end_listeners.append(listener)

    def remove_end_listener(self, listener: SessionEnded) -> None:
        """Stop telling ``listener`` (no-op if it was not added)."""
        if listener in self._end_listeners:
            self._end_listeners.remove(listener)

    async def _ended(self, session: Session) -> None:
        """Tell the end listeners; one failing is logged and does not undo the close (what
        a listener does must also happen from the database at its next start)."""
        for listener in list(self._end_listeners):
            try:
                await listener(session)
            except Exception:
                log.exception("session %s: an end listener failed", session.id)

    @contextmanager
    def incoming(self, session_id: int) -> Iterator[None]:
        """Mark a file as being taken into the session (downloaded, probed, fixed) while
        the block runs: a prompt naming its tag meanwhile is saved, not refused."""
        self._incoming[session_id] = self._incoming.get(session_id, 0) + 1
        try:
            yield
        finally:
            self._incoming[session_id] -= 1
            if not self._incoming[session_id]:
                del self._incoming[session_id]

    async def open_session(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        *,
        prompt: str | None = None,
        duration_s: int | None = None,
        ratio: str | None = None,
        resolution: str | None = None,
        model: str | None = None,
        template: Template | None = None,
        generate_audio: bool | None = None,
        locale: str = ENGLISH,
    ) -> Session:
        """Open a session for the member in the channel, with the guild's defaults;
        ``locale`` is the language they read (any Discord locale tag; the card is written
        in the shipped locale for it).

        Raises:
            CallsheetError: they already have one open there, the channel is not allowed,
                or a setting is out of range.
        """
        config = await self.guild_configs.get(guild_id)
        if not config.channel_allowed(channel_id):
            allowed = ", ".join(f"<#{c}>" for c in config.allowed_channel_ids)
            raise CallsheetError(say("session-channel-not-allowed", channels=allowed))
        if template is not None:
            duration_s = duration_s or min(template.suggested_duration_s, config.max_duration_s)
            ratio = ratio or template.suggested_ratio
        duration = duration_s if duration_s is not None else config.default_duration_s
        limits = self.providers.for_config(config).profile.limits
        longest = min(limits.max_output_s, config.max_duration_s)
        if not limits.min_output_s <= duration <= longest:
            raise CallsheetError(
                say(
                    "session-duration-out-of-range", low=limits.min_output_s, high=longest,
                    asked=duration, most=limits.max_output_s,
                )
            )  # fmt: skip
        try:
            session = await self.repo.open(
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                prompt=prompt or "",
                duration_s=duration,
                ratio=ratio or "16:9",
                resolution=resolution or config.default_resolution,
                generate_audio=generate_audio
                if generate_audio is not None
                else (template.generate_audio if template is not None else True),
                now=self.clock(),
                model=model or config.default_model,
                template=template.key if template is not None else None,
                locale=shipped_locale(locale),
            )
        except SessionExists:
            raise CallsheetError(say("session-exists")) from None
        log.info("session %s opened by %s in %s", session.id, user_id, channel_id)
        return session

    async def get(self, session_id: int) -> Session:
        """The session with its assets.

        Raises:
            SessionNotFound: no such session.
        """
        session = await self.repo.get(session_id)
        if session is None:
            raise SessionNotFound(say("session-gone"))
        return session

    async def owned(self, session_id: int, user_id: int, *, open_only: bool = True) -> Session:
        """The session if ``user_id`` owns it (and it is still open).

        Raises:
            SessionNotFound: not theirs, or closed/expired.
        """
        session = await self.get(session_id)
        if session.user_id != user_id:
            raise SessionNotFound(say("session-not-yours", owner=f"<@{session.user_id}>"))
        if open_only and session.state not in (SessionState.OPEN, SessionState.GENERATING):
            raise SessionNotFound(say("session-ended", state=str(session.state)))
        return session

    async def find_open(self, guild_id: int, channel_id: int, user_id: int) -> Session | None:
        """The member's open session in the channel, or in the session thread
        ``channel_id`` names, or ``None``."""
        return await self.repo.find_open(guild_id, channel_id, user_id)

    async def set_card(self, session_id: int, message_id: int) -> None:
        """Remember which message shows the session card."""
        await self.repo.update(session_id, self.clock(), card_message_id=message_id)

    async def thread_mode(self, guild_id: int) -> tuple[SessionThreads, int]:
        """Where the guild's sessions talk (``GuildConfig.session_threads``) and how long
        they may idle, in minutes."""
        config = await self.guild_configs.get(guild_id)
        return config.session_threads, config.session_idle_minutes

    async def set_thread(self, session_id: int, thread_id: int) -> None:
        """Remember the thread the session lives in (its questions go there; uploads
        there join it)."""
        await self.repo.update(session_id, self.clock(), thread_id=thread_id)

    async def close(self, session_id: int, user_id: int) -> Session:
        """Close the member's session (a running job still finishes and is delivered);
        then tell the end listeners (:meth:`add_end_listener`).

        Raises:
            SessionNotFound: not theirs or not open.
        """
        session = await self.owned(session_id, user_id)
        await self.repo.update(session_id, self.clock(), state=SessionState.CLOSED)
        log.info("session %s closed by its owner", session_id)
        closed = replace(session, state=SessionState.CLOSED)
        await self._ended(closed)
        return closed

    async def reopen_minutes(self, guild_id: int) -> int:
        """How long a closed session may be reopened for, in minutes: the guild's idle
        timeout."""
        return (await self.guild_configs.get(guild_id)).session_idle_minutes

    async def reopenable(self, session: Session) -> bool:
        """Whether a closed session may still be reopened: within its guild's idle timeout
        of being closed (its last activity)."""
        if session.state != SessionState.CLOSED:
            return False
        minutes = await self.reopen_minutes(session.guild_id)
        return self.clock() - session.updated_at < timedelta(minutes=minutes)

    async def reopen(self, session_id: int, user_id: int) -> Session:
        """Open the member's closed session again, within the idle timeout of closing it.

        Raises:
            SessionNotFound: not theirs.
            CallsheetError: not closed, closed too long ago, or another session of theirs
                is open in the channel.
        """
        session = await self.owned(session_id, user_id, open_only=False)
        if session.state in (SessionState.OPEN, SessionState.GENERATING):
            return session
        if not await self.reopenable(session):
            config = await self.guild_configs.get(session.guild_id)
            raise CallsheetError(say("reopen-too-late", minutes=config.session_idle_minutes))
        try:
            await self.repo.reopen(session_id, self.clock())
        except SessionExists:
            raise CallsheetError(say("reopen-another-open")) from None
        log.info("session %s reopened by its owner", session_id)
        return await self.get(session_id)

    async def expire_idle(self) -> list[Session]:
        """Expire open sessions idle longer than their guild's idle timeout (telling the end
        listeners of each, :meth:`add_end_listener`); return them."""
        now = self.clock()
        expired = []
        for idle_session in await self.repo.idle_before(now - timedelta(minutes=1)):
            config = await self.guild_configs.get(idle_session.guild_id)
            idle = now - idle_session.updated_at
            if idle < timedelta(minutes=config.session_idle_minutes):
                continue
            await self.repo.update(idle_session.id, now, state=SessionState.EXPIRED)
            expired.append(await self.get(idle_session.id))
            log.info("session %s expired after idling", idle_session.id)
            await self._ended(expired[-1])
        return expired

    async def check_asset_owner(self, asset_id: int, user_id: int) -> None:
        """Refuse unless the asset exists and its session is ``user_id``'s; one read (the
        Discord layer asks before it acknowledges publicly).

        Raises:
            SessionNotFound: no such asset, or someone else's.
        """
        owner = await self.repo.asset_owner(asset_id)
        if owner is None:
            raise SessionNotFound(say("asset-gone"))
        if owner != user_id:
            raise SessionNotFound(say("session-not-yours", owner=f"<@{owner}>"))

    async def asset(self, asset_id: int) -> Asset:
        """One asset.

        Raises:
            SessionNotFound: no such asset.
        """
        asset = await self.repo.asset(asset_id)
        if asset is None:
            raise SessionNotFound(say("asset-gone"))
        return asset

    async def set_role(self, asset_id: int, user_id: int, role_key: str) -> Session:
        """Give an asset a role from its modality's catalogue.

        Raises:
            CallsheetError: the role does not fit the asset's kind.
            SessionNotFound: not the member's session.
        """
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        if role_key not in {r.key for r in roles_for(asset.kind)}:
            raise CallsheetError(say("role-does-not-fit", kind=asset.kind))
        await self.repo.set_asset_role(asset_id, role_key, self.clock())
        log.info("asset %s role → %s", asset_id, role_key)
        return await self.get(asset.session_id)

    async def keep_face(self, asset_id: int, user_id: int) -> Asset:
        """The member confirms a flagged asset is drawn or stylised: keep it."""
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        await self.repo.set_face_flag(asset_id, "kept")
        return await self.asset(asset_id)

    async def confirm_roles(self, session_id: int, user_id: int) -> Session:
        """The member keeps every role still only suggested (Generate asks them to).

        Raises:
            SessionNotFound: not the member's open session.
        """
        await self.owned(session_id, user_id)
        await self.repo.confirm_roles(session_id, self.clock())
        return await self.get(session_id)

    async def remove_asset(self, asset_id: int, user_id: int) -> Changed:
        """Take an asset out of the member's session; the others of its kind close up
        (``@image3`` becomes ``@image2``) and the prompt's tags follow. A tag of the removed
        asset is taken out of the prompt, and the change says so.

        Raises:
            SessionNotFound: not the member's open session, or the asset is gone.
        """
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        changed = await self._rearrange(asset.session_id, remove=asset_id)
        log.info("session %s: %s removed", asset.session_id, asset.tag)
        notes = (say("asset-removed", tag=asset.tag),)
        if changed.notes:
            notes = (say("asset-removed-from-prompt", tag=asset.tag),)
        return replace(changed, notes=notes)

    async def move_asset(self, asset_id: int, user_id: int, step: int) -> Changed:
        """Move an asset ``step`` places within its kind (-1: up, +1: down); the tags
        renumber (the tag is the asset's position, seed 004) and the prompt's follow.

        Raises:
            SessionNotFound: not the member's open session, or the asset is gone.
        """
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        changed = await self._rearrange(asset.session_id, move=(asset_id, step))
        moved = next(a for a in changed.session.assets if a.id == asset_id)
        note = say("asset-moved", old=asset.tag, new=moved.tag)
        if moved.tag == asset.tag:
            note = say("asset-not-moved", tag=asset.tag)
        return replace(changed, notes=(note,))

    async def replace_next(self, asset_id: int, user_id: int) -> Asset:
        """The member's next upload replaces this asset (its number and role); returns it.

        Raises:
            SessionNotFound: not the member's open session, or the asset is gone.
        """
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        await self.repo.update(asset.session_id, self.clock(), replacing_asset_id=asset_id)
        return asset

    async def take_replacement(self, new: Asset) -> Changed | None:
        """When the session waits for a replacement (:meth:`replace_next`), let ``new``
        (just added) take the old asset's place: its tag, number and role, the old one
        taken out. A replacement of another kind is simply added, and the old asset
        removed. ``None`` when nothing waited."""
        session = await self.get(new.session_id)
        old = next((a for a in session.assets if a.id == session.replacing_asset_id), None)
        if old is None or old.id == new.id:
            if session.replacing_asset_id is not None:
                await self.repo.update(session.id, self.clock(), replacing_asset_id=None)
            return None
        if old.kind == new.kind:
            changed = await self._rearrange(session.id, replace=(old.id, new.id))
        else:
            changed = await self._rearrange(session.id, remove=old.id)
        placed = next(a for a in changed.session.assets if a.id == new.id)
        log.info("session %s: %s replaced by %s", session.id, old.tag, placed.tag)
        note = say("asset-replaced", tag=placed.tag, old=old.tag, file=file_label(old.filename))
        return replace(changed, notes=(note, *changed.notes))

    async def _rearrange(
        self,
        session_id: int,
        *,
        remove: int | None = None,
        move: tuple[int, int] | None = None,
        replace: tuple[int, int] | None = None,
    ) -> Changed:
        """Apply :func:`bot.seedance.session.rearrange` in one transaction; the notes are
        the removed tags the prompt named (if any)."""
        clear = replace is not None or remove is not None
        _, change = await self.repo.rearrange(
            session_id,
            self.clock(),
            lambda current: rearrange(current, remove=remove, move=move, replace=replace),
            clear_replacing=clear,
        )
        notes = tuple(say("prompt-tag-dropped", tag=tag) for tag in change.dropped)
        return Changed(await self.get(session_id), notes)

    async def set_prompt(self, session_id: int, user_id: int, prompt: str) -> Changed:
        """Save the prompt after checking its ``@tags`` name assets of the session. While a
        file is still being taken in or awaits a fix, a tag naming none yet is saved all
        the same (the file may be the one it names), and the change says so.

        Raises:
            PromptRefused: unknown tags (the prompt is kept as the session's draft, for the
                member to edit again).
        """
        session = await self.owned(session_id, user_id)
        unknown = unknown_tags(prompt, session)
        if unknown:
            tags = ", ".join(unknown)
            waiting = self._incoming.get(session_id, 0) + await self.repo.unresolved_uploads(
                session_id
            )
            if not waiting:
                await self.repo.update(session_id, self.clock(), prompt_draft=prompt)
                have = ", ".join(a.tag for a in session.assets) or "none"
                raise PromptRefused(say("prompt-unknown-tags", tags=tags, have=have), session_id)
            await self.repo.update(session_id, self.clock(), prompt=prompt.strip(),
                                   prompt_draft=None)  # fmt: skip
            return Changed(await self.get(session_id), (say("prompt-saved-waiting", tags=tags),))
        await self.repo.update(session_id, self.clock(), prompt=prompt.strip(), prompt_draft=None)
        return Changed(await self.get(session_id))

    async def setting_choices(self, session: Session) -> Choices:
        """What the session's settings may be now
        (:func:`bot.sessions.settings.offered_settings`)."""
        config = await self.guild_configs.get(session.guild_id)
        limits = self.providers.for_config(config).profile.limits
        return offered_settings(session, limits, config)

    async def change_setting(self, session_id: int, user_id: int, name: str, value: str) -> Changed:
        """Set one of the session's settings (:data:`bot.sessions.settings.SETTINGS`) from
        its card, within the guild's and the provider's model's options.

        Raises:
            SessionNotFound: not the member's open session.
            CallsheetError: the value is not offered.
        """
        session = await self.owned(session_id, user_id)
        config = await self.guild_configs.get(session.guild_id)
        limits = self.providers.for_config(config).profile.limits
        changes, notes = apply_setting(session, name, value, limits, config)
        await self.repo.update(session_id, self.clock(), **changes)
        log.info("session %s: %s → %s", session_id, name, value)
        return Changed(await self.get(session_id), notes)

    async def render_board(self, session: Session) -> Path:
        """The session's asset board (JPEG, :func:`bot.media.board.render_board`), drawn on
        the render pool; returns its path under ``data_dir/boards``.

        The empty board every new session shows depends only on the limits its bars read,
        so it is drawn once per limits and shared (a burst of ``/video new`` draws it once).
        """
        limits = await self.providers.limits_for(session.guild_id)
        folder = self.data_dir / "boards"
        folder.mkdir(parents=True, exist_ok=True)
        if session.assets:
            out = folder / f"session-{session.id}.jpg"
            here = [await self.media.local(a, strict=False) for a in session.assets]
            session = replace(session, assets=tuple(here))
            return await self.render_pool.run(render_board, session, limits, out)
        key = repr(limits)
        async with self._empty_board_lock:
            if key not in self._empty_boards:
                out = folder / f"empty-{len(self._empty_boards)}.jpg"
                self._empty_boards[key] = await self.render_pool.run(
                    render_board, session, limits, out
                )
            return self._empty_boards[key]
