"""The studio: what members can do with a session, as plain async calls.

The Discord cogs translate interactions into these calls and render what comes back; this
module never imports discord. Every method that changes a session checks that the caller
owns it. Errors are :class:`bot.errors.CallsheetError` subclasses whose text is the
member-facing message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.credits.pricing import price
from bot.credits.service import Balance, Credits
from bot.errors import (
    AssetRejected,
    CallsheetError,
    FixableUpload,
    InsufficientCredits,
    SessionNotFound,
)
from bot.generation.jobs import Job, JobRunner
from bot.guilds.config import Caps, GuildConfig
from bot.guilds.service import GuildPolicies
from bot.media.board import render_board
from bot.media.faces import detect_faces
from bot.media.fixes import FixError, FixOption, extract_audio, plan_fixes, video_frame
from bot.media.fixes import apply_fix as fix_file
from bot.media.intake import DownloadedFile, copy_into, download, probe_upload
from bot.providers.base import Provider, TaskStatus
from bot.seedance.checks import check_in_session, check_upload
from bot.seedance.compiler import GenerationRequest, compile_request, request_to_json
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import Limits
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import get_role, roles_for, suggest_role
from bot.seedance.session import Asset, Session, unknown_tags
from bot.seedance.templates import Template, get_template, missing_slots
from bot.text import file_label
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
        lints: seed 000 "Common Mistakes" warnings (:mod:`bot.seedance.lint`).
        provider: the provider's label (who will receive the request).
    """

    request: GenerationRequest | None
    price: int | None
    problem: str | None = None
    lints: list[Lint] = field(default_factory=list)
    provider: str = ""


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
        policies: each guild's configuration (defaults, prices, caps, idle timeout, provider).
        runner: the job scheduler (woken when a job is queued).
        providers: provider name → provider; a guild uses the one its config names.
        default_provider: the provider used when a guild names none that is configured.
        job_deadline: a job not finished this long after Generate expires with a refund.
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
        providers: Mapping[str, Provider],
        default_provider: str,
        job_deadline: timedelta,
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
        self.providers = providers
        self.default_provider = default_provider
        self.job_deadline = job_deadline
        self.data_dir = data_dir
        self.http = http
        self.clock = clock

    def provider_for(self, config: GuildConfig) -> Provider:
        """The provider a guild uses (its choice when configured, else the default)."""
        return self.providers.get(config.provider) or self.providers[self.default_provider]

    async def limits_for(self, guild_id: int) -> Limits:
        """The limits of the guild's provider profile."""
        return self.provider_for(await self.policies.get(guild_id)).profile.limits

    async def render_board(self, session: Session) -> Path:
        """Render the session's asset board (PNG, :func:`bot.media.board.render_board`) off
        the event loop; returns its path under ``data_dir/boards``."""
        limits = await self.limits_for(session.guild_id)
        folder = self.data_dir / "boards"
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"session-{session.id}.png"
        return await asyncio.to_thread(render_board, session, limits, out)

    def job_queue_status(self, job: Job) -> tuple[int | None, TaskStatus | None]:
        """Where ``job`` waits: its place in our queue (1 = next) and the provider's last
        report (its own queue position and ETA), each ``None`` when unknown."""
        return self.runner.queue_positions.get(job.id), self.runner.provider_status.get(job.id)

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
        template: Template | None = None,
        generate_audio: bool | None = None,
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
        if template is not None:
            duration_s = duration_s or min(template.suggested_duration_s, config.max_duration_s)
            ratio = ratio or template.suggested_ratio
        duration = duration_s if duration_s is not None else config.default_duration_s
        limits = self.provider_for(config).profile.limits
        longest = min(limits.max_output_s, config.max_duration_s)
        if not limits.min_output_s <= duration <= longest:
            raise CallsheetError(
                f"Duration must be {limits.min_output_s}–{longest} s here "
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
                generate_audio=generate_audio
                if generate_audio is not None
                else (template.generate_audio if template is not None else True),
                now=self.clock(),
                model=model or config.default_model,
                template=template.key if template is not None else None,
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
        limits = await self.limits_for(session.guild_id)
        cap = limits.max_download_bytes
        if declared_size > cap:
            raise AssetRejected(
                f"{file_label(filename)} was not added: files can be at most {cap // 2**20} MB "
                f"(seeds 000, 001); it is {declared_size / 2**20:.1f} MB. "
                "Compress or shorten it and upload it again."
            )
        folder = self.data_dir / "sessions" / str(session_id)
        fetched = await download(self.http, url, folder, cap, filename)
        return await self._accept(session_id, fetched, filename)

    async def add_file(self, session_id: int, user_id: int, path: Path, filename: str) -> Asset:
        """Add a local file (a finished result) to the session, with the same checks as an
        upload.

        Raises:
            AssetRejected / SessionNotFound: as :meth:`add_asset`.
        """
        await self.owned(session_id, user_id)
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
            session = await self.get(session_id)
            config = await self.policies.get(session.guild_id)
            limits = self.provider_for(config).profile.limits
            info = await asyncio.to_thread(probe_upload, fetched.path, filename)
            duplicate = await self.sessions.asset_by_sha256(session_id, fetched.sha256)
            if duplicate is not None:
                raise AssetRejected(
                    f"{file_label(filename)} is already in this session as "
                    f"@{duplicate['kind']}{duplicate['ordinal']}."
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
        asset_id = await self.sessions.add_asset(
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
        row = await self.sessions.asset(asset_id)
        assert row is not None
        asset = _asset(row)
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
        options = plan_fixes(info, limits, left["video"], left["audio"])
        counts_ok = not check_in_session(replace(info, duration_s=None), session.assets, limits)
        if not options or not counts_ok:
            return
        folder = fetched.path.parent / "pending"
        folder.mkdir(exist_ok=True)
        kept = folder / f"{fetched.sha256[:16]}.{info.extension}"
        await asyncio.to_thread(shutil.move, fetched.path, kept)
        pending_id = await self.sessions.add_pending(
            session.id,
            session.user_id,
            str(kept),
            filename,
            json.dumps([dataclasses.asdict(o) for o in options]),
            self.clock(),
        )
        raise FixableUpload(
            f"{refusal}\nOne click can fix it (the original is kept):",
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
        finding = await asyncio.to_thread(detect_faces, path, info.kind)
        if not finding.found:
            return "none"
        if mode == "block":
            raise AssetRejected(
                f"{file_label(filename)} was not added: it seems to show a realistic human face, "
                "and providers reject those (seeds 000, 002, 004); this server blocks them. Use "
                "a drawn or stylised character instead."
            )
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
        row = await self.sessions.pending(pending_id)
        if row is None or row["user_id"] != user_id:
            raise SessionNotFound("That upload is not yours to fix.")
        session = await self.owned(int(row["session_id"]), user_id)
        options = [FixOption(**o) for o in json.loads(row["options_json"])]
        option = next((o for o in options if o.key == option_key), None)
        if option is None:
            raise CallsheetError("That fix is no longer offered; upload the file again.")
        if not await self.sessions.resolve_pending(pending_id, self.clock()):
            raise CallsheetError("That upload was already fixed.")
        limits = await self.limits_for(session.guild_id)
        source = Path(row["path"])
        out = source.parent / f"fixed-{pending_id}.{option.extension}"
        try:
            await asyncio.to_thread(fix_file, option, source, out, limits, progress)
        except FixError as exc:
            raise CallsheetError(f"The fix did not work: {exc}") from exc
        stem = Path(row["filename"]).stem
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
        source = await self.asset(asset_id)
        session = await self.owned(source.session_id, user_id)
        limits = await self.limits_for(session.guild_id)
        folder = source.path.parent
        try:
            if what == "audio":
                out = folder / f"audio-of-{asset_id}.mp3"
                await asyncio.to_thread(extract_audio, source.path, out)
                name = f"{Path(source.filename).stem}-sound.mp3"
            else:
                out = folder / f"frame-{asset_id}-{at_s:.2f}.png"
                await asyncio.to_thread(video_frame, source.path, out, at_s, limits)
                name = f"{Path(source.filename).stem}-{at_s:.1f}s.png"
        except FixError as exc:
            raise CallsheetError(str(exc)) from exc
        asset = await self.add_file(session.id, user_id, out, name)
        if what == "frame":
            await self.set_role(asset.id, user_id, "first_frame")
            asset = await self.asset(asset.id)
        return asset

    async def keep_face(self, asset_id: int, user_id: int) -> Asset:
        """The member confirms a flagged asset is drawn or stylised: keep it."""
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        await self.sessions.set_face_flag(asset_id, "kept")
        return await self.asset(asset_id)

    async def remove_asset(self, asset_id: int, user_id: int) -> Asset:
        """Take an asset out of the member's session (its tag is not reused)."""
        asset = await self.asset(asset_id)
        await self.owned(asset.session_id, user_id)
        await self.sessions.remove_asset(asset_id, self.clock())
        log.info("session %s: %s removed", asset.session_id, asset.tag)
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
            config = await self.policies.get(session.guild_id)
            profile = self.provider_for(config).profile
            request = compile_request(session, profile.dialect, profile.limits)
            cost = price(request, config.prices)
        except CallsheetError as exc:
            return Quote(None, None, str(exc), lint(session, None))
        return Quote(request, cost, None, lint(session, request, profile.limits), profile.label)

    async def balance(self, guild_id: int, user_id: int, role_ids: Sequence[int] = ()) -> Balance:
        """The member's balance in the guild (applying their allowance first)."""
        return await self.credits.balance(guild_id, user_id, self.clock(), role_ids)

    async def generate(
        self, session_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Started:
        """Compile, price, hold the credits and queue the job.

        Bans, caps and the balance are checked in the same transaction as the hold, so
        concurrent clicks never overspend or pass a cap.

        Raises:
            RequestInvalid: the session does not compile (nothing held).
            InsufficientCredits: the balance is below the price (nothing held).
            CallsheetError: banned, a cap reached, or a job already running for the session.
        """
        session = await self.owned(session_id, user_id)
        flagged = [a.tag for a in session.assets if a.face_flag == "warned"]
        if flagged:
            raise CallsheetError(
                f"{', '.join(flagged)} may show a realistic face, which providers reject "
                "(seeds 000, 002, 004). Answer the question under it first: keep it if it is "
                "drawn or stylised, or remove it. Nothing was charged."
            )
        config = await self.policies.get(session.guild_id)
        profile = self.provider_for(config).profile
        request = compile_request(session, profile.dialect, profile.limits)
        return await self.start_job(session, user_id, request, role_ids, "generate", None)

    async def start_job(
        self,
        session: Session,
        user_id: int,
        request: GenerationRequest,
        role_ids: Sequence[int],
        kind: str,
        parent_job_id: int | None,
    ) -> Started:
        now = self.clock()
        ban = await self.bans.active(session.guild_id, user_id, now)
        if ban is not None:
            expires = ban["expires_at"]
            until = f" until {expires[:16].replace('T', ' ')} UTC" if expires else ""
            raise CallsheetError(
                f"A moderator has paused your generations on this server{until}: {ban['reason']}"
            )
        config = await self.credits.ensure_allowance(session.guild_id, user_id, now, role_ids)
        cost = price(request, config.prices)
        caps = config.caps
        outcome = await self.ledger.create_job_with_hold(
            session_id=session.id,
            guild_id=session.guild_id,
            channel_id=session.channel_id,
            user_id=user_id,
            provider=self.provider_for(config).profile.name,
            request_json=request_to_json(request),
            price=cost,
            now=now,
            model=request.model,
            duration_s=request.duration_s,
            resolution=request.resolution,
            limits=HoldLimits(
                day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
                videos_per_day=caps.videos_per_day,
                seconds_per_day=caps.seconds_per_day,
                concurrent_jobs=caps.concurrent_jobs,
                cooldown_s=caps.cooldown_s,
            ),
            deadline_at=now + self.job_deadline,
            kind=kind,
            parent_job_id=parent_job_id,
        )
        if outcome.refused is not None or outcome.job_id is None:
            raise _refusal(outcome, cost, caps)
        self.runner.wake()
        log.info("session %s: job %s (%s) queued, %s credits held", session.id, outcome.job_id,
                 kind, cost)  # fmt: skip
        return Started(outcome.job_id, cost, outcome.available)

    # Jobs after Generate ----------------------------------------------------------------

    async def job(self, job_id: int) -> Job:
        """A job.

        Raises:
            SessionNotFound: no such job.
        """
        row = await self.ledger.job(job_id)
        if row is None:
            raise SessionNotFound(f"There is no job #{job_id}.")
        return Job.from_row(row)

    async def active_job(self, session_id: int) -> Job | None:
        """The session's queued or running job, or ``None``."""
        row = await self.ledger.active_job_of_session(session_id)
        return Job.from_row(row) if row else None

    async def last_job(self, session_id: int) -> Job | None:
        """The session's most recent job, or ``None``."""
        row = await self.ledger.last_job_of_session(session_id)
        return Job.from_row(row) if row else None

    async def cancel_job(self, session_id: int, user_id: int) -> Job:
        """The member stops their session's queued or running job; its hold is released.

        Raises:
            SessionNotFound: not their session. CallsheetError: nothing is running.
        """
        await self.owned(session_id, user_id)
        job = await self.active_job(session_id)
        if job is None or not await self.runner.cancel(job.id, "cancelled by the member"):
            raise CallsheetError("Nothing is rendering for this session.")
        return job


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
        template=row["template"],
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
        face_flag=row["face_flag"],
    )
