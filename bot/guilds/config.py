"""A guild's configuration: allowances, caps, prices and configuration, set by its moderators.

One pydantic model per guild, stored as JSON (storage.moderation). Operator settings give
the defaults; moderators change them with ``/admin`` and the change applies at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.seedance.limits import MODEL_LABELS

__all__ = [
    "MODEL_LABELS",
    "Allowance",
    "Caps",
    "GuildConfig",
    "Prices",
    "next_refill",
    "period_key",
]

Model = Literal["standard", "fast", "mini"]
RefillPeriod = Literal["none", "daily", "weekly", "monthly"]
FaceCheck = Literal["off", "warn", "block"]
SessionThreads = Literal["public", "private", "off"]


class Prices(BaseModel):
    """How a guild turns the provider's bill into credits (:mod:`bot.credits.pricing`).

    By default a price follows the provider's published rate for the model (its
    catalogue, in US dollars) at ``credits_per_usd``; moderators may set their own.

    Attributes:
        credits_per_usd: credits per US dollar of the provider's bill (the operator's
            ``CREDITS_PER_USD``, or the guild's own).
        per_second: the guild's own credits per billed second, by model and resolution
            (``/admin prices set``); a price not set here follows the provider's.
        video_input_factor: the guild's own factor on the rate when video references are
            present (``None``: the provider's; fal's is 0.6 per token, seeds 002, 004:
            video references cost more through the seconds they add).
    """

    model_config = ConfigDict(frozen=True)  # shared by GuildConfigs' cache: read-only

    credits_per_usd: float = Field(10.0, gt=0, le=100_000)
    per_second: dict[str, dict[str, float]] = Field(default_factory=dict)
    video_input_factor: float | None = Field(None, gt=0, le=10.0)


class Caps(BaseModel):
    """Optional per-member limits; ``None`` means no limit.

    Attributes:
        videos_per_day / seconds_per_day: jobs and output seconds started per UTC day
            (failed and cancelled jobs do not count).
        concurrent_jobs: unfinished jobs at once.
        cooldown_s: seconds between two Generates.
    """

    model_config = ConfigDict(frozen=True)  # shared by GuildConfigs' cache: read-only

    videos_per_day: int | None = Field(None, ge=0)
    seconds_per_day: int | None = Field(None, ge=0)
    concurrent_jobs: int | None = Field(None, ge=1)
    cooldown_s: int | None = Field(None, ge=0)


class Allowance(BaseModel):
    """Credits a member receives: once at first use, then every refill period up to a cap.

    Attributes:
        starting_grant: credits granted the first time a member uses the bot in the guild.
        refill_period: how often the refill happens (UTC day, ISO week, calendar month).
        refill_amount: credits added per period, never above ``refill_cap``.
        refill_cap: a refill tops the available balance up to at most this many credits.
        role_amounts: role id → refill amount for members with that role (the largest
            applies; e.g. boosters or a "Creator" role get more).
        member_amounts: user id → refill amount, overriding roles.
    """

    model_config = ConfigDict(frozen=True)  # shared by GuildConfigs' cache: read-only

    starting_grant: int = Field(100, ge=0)
    refill_period: RefillPeriod = "none"
    refill_amount: int = Field(0, ge=0)
    refill_cap: int = Field(100, ge=0)
    role_amounts: dict[int, int] = Field(default_factory=dict)
    member_amounts: dict[int, int] = Field(default_factory=dict)

    def amount_for(self, user_id: int, role_ids: list[int]) -> int:
        """The refill amount for a member with ``role_ids``."""
        if user_id in self.member_amounts:
            return self.member_amounts[user_id]
        by_role = [self.role_amounts[r] for r in role_ids if r in self.role_amounts]
        return max([self.refill_amount, *by_role])

    def cap_for(self, user_id: int, role_ids: list[int]) -> int:
        """The refill cap for the member: never below their own refill amount."""
        return max(self.refill_cap, self.amount_for(user_id, role_ids))


class GuildConfig(BaseModel):
    """Everything a guild's moderators control.

    Attributes:
        allowance / caps / prices: credits policy.
        allowed_channel_ids: channels where sessions may be opened (empty: everywhere).
        default_model / default_resolution / default_duration_s / max_duration_s: session
            defaults and the longest clip allowed (seeds 000, 001: 4–15 s).
        face_check: what to do about realistic faces in uploads (seeds 000, 002, 004).
        provider: provider profile name.
        session_idle_minutes: idle sessions expire after this long.
        session_threads: where a session talks: ``"public"`` a thread started from its
            card, ``"private"`` a private thread with its owner, ``"off"`` the channel.
        moderator_role_id: a role whose members may use ``/admin`` besides Manage Server.
        audit_channel_id: where audit entries are also posted.
    """

    model_config = ConfigDict(frozen=True)  # shared by GuildConfigs' cache: read-only

    allowance: Allowance = Field(default_factory=Allowance)
    caps: Caps = Field(default_factory=Caps)
    prices: Prices = Field(default_factory=Prices)
    allowed_channel_ids: list[int] = Field(default_factory=list)
    default_model: Model = "standard"
    default_resolution: Literal["480p", "720p", "1080p"] = "720p"
    default_duration_s: int = Field(5, ge=4, le=15)
    max_duration_s: int = Field(15, ge=4, le=15)
    face_check: FaceCheck = "warn"
    provider: str = "preview"
    session_idle_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    session_threads: SessionThreads = "public"
    moderator_role_id: int | None = None
    audit_channel_id: int | None = None

    @model_validator(mode="after")
    def _default_fits_max(self) -> GuildConfig:
        if self.default_duration_s > self.max_duration_s:
            raise ValueError(
                f"the default duration ({self.default_duration_s} s) is longer than the "
                f"maximum ({self.max_duration_s} s)"
            )
        return self

    def channel_allowed(self, channel_id: int) -> bool:
        """Whether sessions may be opened in ``channel_id``."""
        return not self.allowed_channel_ids or channel_id in self.allowed_channel_ids


def period_key(period: RefillPeriod, now: datetime) -> str | None:
    """Identifier of the refill period containing ``now`` (UTC): ``2026-11-25``,
    ``2026-W48`` or ``2026-11``; ``None`` when refills are off."""
    if period == "daily":
        return now.strftime("%Y-%m-%d")
    if period == "weekly":
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "monthly":
        return now.strftime("%Y-%m")
    return None


def next_refill(period: RefillPeriod, now: datetime) -> datetime | None:
    """Start of the next refill period after ``now`` (UTC midnight), or ``None``."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        return midnight + timedelta(days=1)
    if period == "weekly":
        return midnight + timedelta(days=7 - now.weekday())
    if period == "monthly":
        first = midnight.replace(day=1)
        return (first + timedelta(days=32)).replace(day=1)
    return None
