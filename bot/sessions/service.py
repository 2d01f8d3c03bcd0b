"""Sessions: open, find, close and expire them; their assets' roles and face answers; the
prompt; the asset board. Every call that changes a session checks that the caller owns it
(docs/ARCHITECTURE.md). Errors are :class:`bot.errors.CallsheetError` subclasses whose
text is the member-facing message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import CallsheetError, SessionNotFound
from bot.guilds.config import SessionThreads
from bot.guilds.service import GuildConfigs
from bot.media.board import render_board
from bot.providers.registry import ProviderRegistry
from bot.seedance.roles import roles_for
from bot.seedance.session import Asset, Session, SessionState, unknown_tags
from bot.seedance.templates import Template
from bot.words import ENGLISH, say, shipped_locale
from bot.workers import WorkerPool
from storage.sessions import SessionExists, SessionRepository

log = logging.getLogger(__name__)


class Sessions:
    """The sessions service.

    Args:
        repo: the sessions and assets repository.
        guild_configs: each guild's configuration (defaults, channels, idle timeout).
        providers: the provider each guild uses (its limits bound durations).
        data_dir: boards live under ``data_dir/boards/``.
        render_pool: where boards are drawn (off the event loop, bounded).
        clock: returns the current UTC time.
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
    ) -> None:
        self.repo = repo
        self.guild_configs = guild_configs
        self.providers = providers
        self.data_dir = data_dir
        self.render_pool = render_pool
        self.clock = clock
        self._empty_boards: dict[str, Path] = {}  # repr(limits) → the empty board drawn once
        self._empty_board_lock = asyncio.Lock()

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
        """Close the member's session (a running job still finishes and is delivered).

        Raises:
            SessionNotFound: not theirs or not open.
        """
        session = await self.owned(session_id, user_id)
        await self.repo.update(session_id, self.clock(), state=SessionState.CLOSED)
        log.info("session %s closed by its owner", session_id)
        return replace(session, state=SessionState.CLOSED)

    async def expire_idle(self) -> list[Session]:
        """Expire open sessions idle longer than their guild's idle timeout; return them."""
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

    async def remove_asset(self, asset_id: int, user_id: int) -> Asset:
        """Take an asset out of the member's session (its tag is not reused)."""
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        await self.repo.remove_asset(asset_id, self.clock())
        log.info("session %s: %s removed", asset.session_id, asset.tag)
        return asset

    async def set_prompt(self, session_id: int, user_id: int, prompt: str) -> Session:
        """Save the prompt after checking its ``@tags`` name assets of the session.

        Raises:
            CallsheetError: unknown tags (the prompt is not saved).
        """
        session = await self.owned(session_id, user_id)
        unknown = unknown_tags(prompt, session)
        if unknown:
            have = ", ".join(a.tag for a in session.assets) or "none"
            raise CallsheetError(say("prompt-unknown-tags", tags=", ".join(unknown), have=have))
        await self.repo.update(session_id, self.clock(), prompt=prompt.strip())
        return await self.get(session_id)

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
            return await self.render_pool.run(render_board, session, limits, out)
        key = repr(limits)
        async with self._empty_board_lock:
            if key not in self._empty_boards:
                out = folder / f"empty-{len(self._empty_boards)}.jpg"
                self._empty_boards[key] = await self.render_pool.run(
                    render_board, session, limits, out
                )
            return self._empty_boards[key]
