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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.compiler import GenerationRequest, compile_request
from bot.credits import Balance, Credits
from bot.errors import AssetRejected, CallsheetError, InsufficientCredits, SessionNotFound
from bot.guilds import GuildPolicies
from bot.intake import check_upload, download, probe_upload
from bot.jobs import JobRunner, JobTicket
from bot.limits import Limits
from bot.policy import Caps
from bot.pricing import price
from bot.providers.base import ProviderProfile
from bot.roles import get_role, roles_for, suggest_role
from bot.session import Asset, Session, unknown_tags
from storage.ledger import HoldLimits, HoldOutcome, LedgerRepository
from storage.moderation import BanRepository
from storage.sessions import SessionExists, SessionRepository

log = logging.getLogger(__name__)


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
        sessions / ledger / bans: repositories.
        credits: balances and allowance.
        policies: each guild's configuration (defaults, prices, caps, idle timeout).
        runner: runs jobs on the provider.
        profile: the provider's profile (dialect, limits).
        data_dir: media live under ``data_dir/sessions/<id>/``.
        http: HTTP session for downloading uploads.
        clock: returns the current UTC time.
    """

    def __init__(
        self,
        *,
        sessions: SessionRepository,
        ledger: LedgerRepository,
        bans: BanRepository,
        credits: Credits,
        policies: GuildPolicies,
        runner: JobRunner,
        profile: ProviderProfile,
        data_dir: Path,
        http: aiohttp.ClientSession,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.bans = bans
        self.credits = credits
        self.policies = policies
        self.runner = runner
        self.profile = profile
        self.data_dir = data_dir
        self.http = http
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
        model: str | None = None,
    ) -> Session:
        """Open a session for the member in the channel, with the guild's defaults.

        Raises:
            CallsheetError: they already have one open there, the channel is not allowed,
                or a setting is out of range.
        """
        config = await self.policies.get(guild_id)
        if not config.channel_allowed(channel_id):
            allowed = ", ".join(f"<#{c}>" for c in config.allowed_channel_ids)
            raise CallsheetError(f"Video sessions are open in {allowed} on this server.")
        duration = duration_s if duration_s is not None else config.default_duration_s
        longest = min(self.limits.max_output_s, config.max_duration_s)
        if not self.limits.min_output_s <= duration <= longest:
            raise CallsheetError(
                f"Duration must be {self.limits.min_output_s}–{longest} s here "
                f"(seeds 000, 001 allow 4–15 s); you asked for {duration} s."
            )
        await self.credits.ensure_allowance(guild_id, user_id, self.clock(), config=config)
        try:
            session_id = await self.sessions.create(
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                prompt=prompt or "",
                duration_s=duration,
                ratio=ratio or "16:9",
                resolution=resolution or config.default_resolution,
                generate_audio=True,
                now=self.clock(),
                model=model or config.default_model,
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
        """Expire open sessions idle longer than their guild's idle timeout; return them."""
        now = self.clock()
        expired = []
        for row in await self.sessions.idle_before(now - timedelta(minutes=1)):
            config = await self.policies.get(int(row["guild_id"]))
            idle = now - datetime.fromisoformat(row["updated_at"])
            if idle < timedelta(minutes=config.session_idle_minutes):
                continue
            await self.sessions.update(int(row["id"]), now, state="expired")
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

    async def quote(self, session: Session) -> Quote:
        """Compile ``session`` for the active provider and price it at the guild's prices."""
        try:
            request = compile_request(session, self.profile.dialect, self.limits)
            config = await self.policies.get(session.guild_id)
            return Quote(request, price(request, config.prices))
        except CallsheetError as exc:
            return Quote(None, None, str(exc))

    async def balance(self, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> Balance:
        """The member's balance in the guild (applying their allowance first)."""
        return await self.credits.balance(guild_id, user_id, self.clock(), role_ids)

    async def generate(
        self, session_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Started:
        """Compile, price, hold the credits and start the job.

        Bans, caps and the balance are checked in the same transaction as the hold, so
        concurrent clicks never overspend or pass a cap.

        Raises:
            RequestInvalid: the session does not compile (nothing held).
            InsufficientCredits: the balance is below the price (nothing held).
            CallsheetError: banned, a cap reached, or a job already running for the session.
        """
        session = await self.owned(session_id, user_id)
        now = self.clock()
        ban = await self.bans.active(session.guild_id, user_id, now)
        if ban is not None:
            until = (
                f" until {ban['expires_at'][:16].replace('T', ' ')} UTC"
                if ban["expires_at"]
                else ""
            )
            raise CallsheetError(
                f"A moderator has paused your generations on this server{until}: {ban['reason']}"
            )
        request = compile_request(session, self.profile.dialect, self.limits)
        config = await self.credits.ensure_allowance(session.guild_id, user_id, now, role_ids)
        cost = price(request, config.prices)
        caps = config.caps
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        outcome = await self.ledger.create_job_with_hold(
            session_id=session_id,
            guild_id=session.guild_id,
            channel_id=session.channel_id,
            user_id=user_id,
            provider=self.profile.name,
            request_json=json.dumps(_request_summary(request)),
            price=cost,
            now=now,
            model=request.model,
            duration_s=request.duration_s,
            resolution=request.resolution,
            limits=HoldLimits(
                day_start=day_start,
                videos_per_day=caps.videos_per_day,
                seconds_per_day=caps.seconds_per_day,
                concurrent_jobs=caps.concurrent_jobs,
                cooldown_s=caps.cooldown_s,
            ),
        )
        if outcome.refused is not None or outcome.job_id is None:
            raise _refusal(outcome, cost, caps)
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


def _refusal(outcome: HoldOutcome, cost: int, caps: Caps) -> CallsheetError:
    """The member-facing reason a hold was refused."""
    match outcome.refused:
        case "busy":
            return CallsheetError(
                f"Job #{outcome.job_id} for this session is still running; wait for it to finish."
            )
        case "videos_per_day":
            return CallsheetError(
                f"You have made {outcome.detail:.0f} videos today; this server allows "
                f"{caps.videos_per_day} a day. Try again tomorrow (UTC)."
            )
        case "seconds_per_day":
            return CallsheetError(
                f"You have generated {outcome.detail:.0f} s today; this server allows "
                f"{caps.seconds_per_day} s a day. Shorten the clip or try again tomorrow (UTC)."
            )
        case "concurrent":
            return CallsheetError(
                f"You already have {outcome.detail:.0f} video(s) rendering; this server allows "
                f"{caps.concurrent_jobs} at once. Wait for one to finish."
            )
        case "cooldown":
            return CallsheetError(
                f"Please wait {outcome.detail:.0f} s more: this server asks for "
                f"{caps.cooldown_s} s between generations."
            )
    return InsufficientCredits(
        f"This video costs {cost} credits and you have {outcome.available}. "
        "Shorten it, pick 480p or the Fast model, or ask a moderator for credits."
    )


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
        "model": request.model,
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
        model=row["model"],
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
