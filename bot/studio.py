"""The studio: what members can do with a session, as plain async calls.

The Discord cogs translate interactions into these calls and render what comes back; this
module never imports discord. Every method that changes a session checks that the caller
owns it. Errors are :class:`bot.errors.CallsheetError` subclasses whose text is the
member-facing message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.compiler import GenerationRequest, compile_request
from bot.credits import Balance, Credits
from bot.errors import AssetRejected, CallsheetError, InsufficientCredits, SessionNotFound
from bot.intake import check_upload, download, probe_upload
from bot.jobs import JobRunner, JobTicket
from bot.limits import Limits
from bot.pricing import PriceTable, price
from bot.providers.base import ProviderProfile
from bot.roles import get_role, roles_for, suggest_role
from bot.session import Asset, Session, unknown_tags
from storage.ledger import LedgerRepository
from storage.sessions import SessionExists, SessionRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionDefaults:
    """Settings a new session starts with: duration in seconds, ratio, resolution."""

    duration_s: int = 5
    ratio: str = "16:9"
    resolution: str = "720p"
    generate_audio: bool = True


@dataclass(frozen=True)
class Quote:
    """What Generate would send and cost, or why it can't yet.

    Attributes:
        request: the compiled request, or ``None`` when the session does not compile.
        price: credits, when it compiles.
        problem: the member-facing reason it does not compile.
    """

    request: GenerationRequest | None
    price: int | None
    problem: str | None = None


@dataclass(frozen=True)
class Started:
    """Generate's outcome: the job id, credits held and what is left."""

    job_id: int
    price: int
    available: int


class Studio:
    """Sessions, assets, prompts and generation for one bot process.

    Args:
        sessions / ledger: repositories.
        credits: balances and allowance.
        runner: runs jobs on the provider.
        profile: the provider's profile (dialect, limits).
        prices: the price table.
        data_dir: media live under ``data_dir/sessions/<id>/``.
        http: HTTP session for downloading uploads.
        defaults: new-session defaults.
        idle_timeout: an open session idle this long expires.
        clock: returns the current UTC time.
    """

    def __init__(
        self,
        *,
        sessions: SessionRepository,
        ledger: LedgerRepository,
        credits: Credits,
        runner: JobRunner,
        profile: ProviderProfile,
        prices: PriceTable,
        data_dir: Path,
        http: aiohttp.ClientSession,
        defaults: SessionDefaults,
        idle_timeout: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.credits = credits
        self.runner = runner
        self.profile = profile
        self.prices = prices
        self.data_dir = data_dir
        self.http = http
        self.defaults = defaults
        self.idle_timeout = idle_timeout
        self.clock = clock

    @property
    def limits(self) -> Limits:
        """The active provider's limits."""
        return self.profile.limits

    # Sessions ---------------------------------------------------------------------------

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
    ) -> Session:
        """Open a session for the member in the channel.

        Raises:
            CallsheetError: they already have one open there, or a setting is out of range.
        """
        d = self.defaults
        duration = duration_s if duration_s is not None else d.duration_s
        limits = self.limits
        if not limits.min_output_s <= duration <= limits.max_output_s:
            raise CallsheetError(
                f"Duration must be {limits.min_output_s}–{limits.max_output_s} s "
                f"(seeds 000, 001); you asked for {duration} s."
            )
        await self.credits.ensure_allowance(guild_id, user_id, self.clock())
        try:
            session_id = await self.sessions.create(
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                prompt=prompt or "",
                duration_s=duration,
                ratio=ratio or d.ratio,
                resolution=resolution or d.resolution,
                generate_audio=d.generate_audio,
                now=self.clock(),
            )
        except SessionExists:
            raise CallsheetError(
                "You already have a session open in this channel: add assets to it, or close "
                "it with `/video cancel` first."
            ) from None
        log.info("session %s opened by %s in %s", session_id, user_id, channel_id)
        return await self.get(session_id)

    async def get(self, session_id: int) -> Session:
        """The session with its assets.

        Raises:
            SessionNotFound: no such session.
        """
        row = await self.sessions.get(session_id)
        if row is None:
            raise SessionNotFound("That session no longer exists.")
        assets = tuple(_asset(r) for r in await self.sessions.assets(session_id))
        return _session(row, assets)

    async def owned(self, session_id: int, user_id: int, *, open_only: bool = True) -> Session:
        """The session if ``user_id`` owns it (and it is still open).

        Raises:
            SessionNotFound: not theirs, or closed/expired.
        """
        session = await self.get(session_id)
        if session.user_id != user_id:
            raise SessionNotFound(f"This session belongs to <@{session.user_id}>.")
        if open_only and session.state not in ("open", "generating"):
            raise SessionNotFound(
                f"This session is {session.state}. Start a new one with `/video new`."
            )
        return session

    async def find_open(self, guild_id: int, channel_id: int, user_id: int) -> Session | None:
        """The member's open session in the channel, or ``None``."""
        row = await self.sessions.find_open(guild_id, channel_id, user_id)
        return await self.get(int(row["id"])) if row else None

    async def set_card(self, session_id: int, message_id: int) -> None:
        """Remember which message shows the session card."""
        await self.sessions.update(session_id, self.clock(), card_message_id=message_id)

    async def close(self, session_id: int, user_id: int) -> Session:
        """Close the member's session (a running job still finishes and is delivered).

        Raises:
            SessionNotFound: not theirs or not open.
        """
        session = await self.owned(session_id, user_id)
        await self.sessions.update(session_id, self.clock(), state="closed")
        log.info("session %s closed by its owner", session_id)
        return replace(session, state="closed")

    async def expire_idle(self) -> list[Session]:
        """Expire open sessions idle longer than the idle timeout; return them."""
        cutoff = self.clock() - self.idle_timeout
        expired = []
        for row in await self.sessions.idle_before(cutoff):
            await self.sessions.update(int(row["id"]), self.clock(), state="expired")
            expired.append(await self.get(int(row["id"])))
            log.info("session %s expired after idling", row["id"])
        return expired

    # Assets -----------------------------------------------------------------------------

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
        session = await self.owned(session_id, user_id)
        cap = self.limits.max_download_bytes
        if declared_size > cap:
            raise AssetRejected(
                f"**{filename}** was not added: files can be at most {cap // 2**20} MB "
                f"(seeds 000, 001); it is {declared_size / 2**20:.1f} MB. "
                "Compress or shorten it and upload it again."
            )
        folder = self.data_dir / "sessions" / str(session_id)
        fetched = await download(self.http, url, folder, cap, filename)
        try:
            info = await asyncio.to_thread(probe_upload, fetched.path, filename)
            duplicate = await self.sessions.asset_by_sha256(session_id, fetched.sha256)
            if duplicate is not None:
                raise AssetRejected(
                    f"**{filename}** is already in this session as "
                    f"@{duplicate['kind']}{duplicate['ordinal']}."
                )
            session = await self.get(session_id)
            check_upload(info, session.assets, self.limits, filename)
            final = folder / f"{fetched.sha256[:16]}.{info.extension}"
            await asyncio.to_thread(shutil.move, fetched.path, final)
        except BaseException:
            fetched.path.unlink(missing_ok=True)
            raise
        role = suggest_role(info.kind, [a.role for a in session.assets])
        asset_id = await self.sessions.add_asset(
            session_id=session_id,
            now=self.clock(),
            kind=info.kind,
            role=role,
            path=str(final),
            filename=filename,
            sha256=fetched.sha256,
            format=info.format,
            size_bytes=info.size_bytes,
            width=info.width,
            height=info.height,
            duration_s=info.duration_s,
            has_audio=info.has_audio,
        )
        row = await self.sessions.asset(asset_id)
        assert row is not None
        asset = _asset(row)
        log.info("session %s: %s accepted (%s, %s)", session_id, asset.tag, info.format, role)
        return asset

    async def set_role(self, asset_id: int, user_id: int, role_key: str) -> Session:
        """Give an asset a role from its modality's catalogue.

        Raises:
            CallsheetError: the role does not fit the asset's kind.
            SessionNotFound: not the member's session.
        """
        row = await self.sessions.asset(asset_id)
        if row is None:
            raise SessionNotFound("That asset no longer exists.")
        await self.owned(int(row["session_id"]), user_id)
        if role_key not in {r.key for r in roles_for(row["kind"])}:
            raise CallsheetError(f"“{role_key}” is not a role for {row['kind']} assets.")
        await self.sessions.set_asset_role(asset_id, role_key, self.clock())
        log.info("asset %s role → %s", asset_id, get_role(role_key).label)
        return await self.get(int(row["session_id"]))

    async def asset(self, asset_id: int) -> Asset:
        """One asset.

        Raises:
            SessionNotFound: no such asset.
        """
        row = await self.sessions.asset(asset_id)
        if row is None:
            raise SessionNotFound("That asset no longer exists.")
        return _asset(row)

    # Prompt and settings ----------------------------------------------------------------

    async def set_prompt(self, session_id: int, user_id: int, prompt: str) -> Session:
        """Save the prompt after checking its ``@tags`` name assets of the session.

        Raises:
            CallsheetError: unknown tags (the prompt is not saved).
        """
        session = await self.owned(session_id, user_id)
        unknown = unknown_tags(prompt, session)
        if unknown:
            have = ", ".join(a.tag for a in session.assets) or "no assets yet"
            raise CallsheetError(
                f"Your prompt mentions {', '.join(unknown)}, but this session has {have}. "
                "Fix the tag or upload that asset first; the prompt was not saved."
            )
        await self.sessions.update(session_id, self.clock(), prompt=prompt.strip())
        return await self.get(session_id)

    # Generation -------------------------------------------------------------------------

    def quote(self, session: Session) -> Quote:
        """Compile ``session`` for the active provider and price it (no I/O)."""
        try:
            request = compile_request(session, self.profile.dialect, self.limits)
        except CallsheetError as exc:
            return Quote(None, None, str(exc))
        return Quote(request, price(request, self.prices))

    async def balance(self, guild_id: int, user_id: int) -> Balance:
        """The member's balance in the guild."""
        return await self.credits.balance(guild_id, user_id, self.clock())

    async def generate(self, session_id: int, user_id: int) -> Started:
        """Compile, price, hold the credits and start the job.

        A second call while the session's job is running starts nothing and raises.

        Raises:
            RequestInvalid: the session does not compile (nothing held).
            InsufficientCredits: the balance is below the price (nothing held).
            CallsheetError: a job is already running for this session.
        """
        session = await self.owned(session_id, user_id)
        request = compile_request(session, self.profile.dialect, self.limits)
        cost = price(request, self.prices)
        await self.credits.ensure_allowance(session.guild_id, user_id, self.clock())
        outcome = await self.ledger.create_job_with_hold(
            session_id=session_id,
            guild_id=session.guild_id,
            channel_id=session.channel_id,
            user_id=user_id,
            provider=self.profile.name,
            request_json=json.dumps(_request_summary(request)),
            price=cost,
            now=self.clock(),
        )
        if outcome.job_id is not None and not outcome.created:
            raise CallsheetError(
                f"Job #{outcome.job_id} for this session is still running; wait for it to finish."
            )
        if outcome.job_id is None:
            raise InsufficientCredits(
                f"This video costs {cost} credits and you have {outcome.available}. "
                "Shorten it, pick 480p, or ask a moderator for credits."
            )
        self.runner.start(
            JobTicket(
                job_id=outcome.job_id,
                session_id=session_id,
                guild_id=session.guild_id,
                channel_id=session.channel_id,
                user_id=user_id,
                price=cost,
                request=request,
            )
        )
        log.info("session %s: job %s started, %s credits held", session_id, outcome.job_id, cost)
        return Started(outcome.job_id, cost, outcome.available)


def _request_summary(request: GenerationRequest) -> dict[str, Any]:
    return {
        "mode": request.mode,
        "prompt": request.prompt,
        "images": [ra.asset.tag for ra in request.images],
        "videos": [ra.asset.tag for ra in request.videos],
        "audios": [ra.asset.tag for ra in request.audios],
        "roles": {ra.asset.tag: ra.asset.role for ra in request.assets},
        "duration_s": request.duration_s,
        "ratio": request.ratio,
        "resolution": request.resolution,
        "generate_audio": request.generate_audio,
    }


def _session(row: Mapping[str, Any], assets: tuple[Asset, ...]) -> Session:
    return Session(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        user_id=int(row["user_id"]),
        state=row["state"],
        prompt=row["prompt"],
        duration_s=int(row["duration_s"]),
        ratio=row["ratio"],
        resolution=row["resolution"],
        generate_audio=bool(row["generate_audio"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        card_message_id=row["card_message_id"],
        assets=assets,
    )


def _asset(row: Mapping[str, Any]) -> Asset:
    return Asset(
        id=int(row["id"]),
        session_id=int(row["session_id"]),
        kind=row["kind"],
        ordinal=int(row["ordinal"]),
        role=row["role"],
        path=Path(row["path"]),
        filename=row["filename"],
        sha256=row["sha256"],
        format=row["format"],
        size_bytes=int(row["size_bytes"]),
        width=row["width"],
        height=row["height"],
        duration_s=row["duration_s"],
        has_audio=bool(row["has_audio"]),
    )
