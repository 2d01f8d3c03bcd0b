"""Operator settings, read from the environment and ``.env`` (pydantic-settings).

Every field maps to an upper-case environment variable (``DISCORD_TOKEN``,
``DATABASE_PATH``…); ``.env.example`` lists them. Secrets are ``SecretStr`` and never
printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.policy import Allowance, GuildConfig, Prices

ProviderName = Literal["preview"]


class Settings(BaseSettings):
    """Callsheet's configuration.

    Attributes:
        discord_token: the bot token (required).
        data_dir: where media, results and (by default) the database live.
        database_path: SQLite file; defaults to ``data_dir/callsheet.sqlite3``.
        provider: video provider; ``preview`` (local renderer) is the default while no
            provider API key is configured.
        The next group are the defaults of every guild's policy; moderators change them per
        guild with ``/admin`` (see :class:`bot.policy.GuildConfig`):
        starting_allowance: credits a member gets the first time they use the bot in a guild.
        price_per_second_480p / price_per_second_720p: credits per output second (2.0).
        fast_price_factor: Seedance 2.0 Fast's price relative to 2.0 (seed 003: cheaper).
        video_reference_multiplier: price factor when video references are present
            (seeds 002, 004: video references cost more).
        session_idle_minutes: an open session with no activity for this long expires.
        default_duration_s / default_resolution: new-session defaults.
        discord_api_base / discord_gateway_url: point discord.py at another Discord (the
            test emulator); unset in production.
        message_content_intent: read attachments of ordinary messages (a privileged intent:
            enable it in the developer portal, or set false and use ``/video add``).
        sync_commands: sync application commands at start-up.
        command_guild_id: sync commands to this guild only (instant; for development).
        log_level: logging level name.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr
    data_dir: Path = Path("data")
    database_path: Path | None = None
    provider: ProviderName = "preview"
    starting_allowance: int = Field(100, ge=0)
    price_per_second_480p: float = Field(1.0, ge=0)
    price_per_second_720p: float = Field(2.0, ge=0)
    fast_price_factor: float = Field(0.5, gt=0, le=1)
    video_reference_multiplier: float = Field(1.5, ge=1)
    session_idle_minutes: int = Field(60, ge=1)
    default_duration_s: int = Field(5, ge=4, le=15)
    default_resolution: Literal["480p", "720p"] = "720p"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    message_content_intent: bool = True
    sync_commands: bool = True
    command_guild_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def database_file(self) -> Path:
        """The SQLite file to open."""
        return self.database_path or self.data_dir / "callsheet.sqlite3"

    def default_guild_config(self) -> GuildConfig:
        """The policy every guild starts with."""
        standard = {"480p": self.price_per_second_480p, "720p": self.price_per_second_720p}
        fast = {k: v * self.fast_price_factor for k, v in standard.items()}
        return GuildConfig(
            allowance=Allowance(
                starting_grant=self.starting_allowance, refill_cap=self.starting_allowance
            ),
            prices=Prices(
                per_second={"standard": standard, "fast": fast},
                video_reference_multiplier=self.video_reference_multiplier,
            ),
            default_resolution=self.default_resolution,
            default_duration_s=self.default_duration_s,
            session_idle_minutes=self.session_idle_minutes,
        )


def describe_error(error: ValidationError) -> str:
    """A readable, secret-free explanation of invalid or missing settings."""
    lines = ["Callsheet cannot start: its settings are incomplete."]
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()
        if item["type"] == "missing":
            hint = (
                " (the bot token from the Discord developer portal)"
                if name == "DISCORD_TOKEN"
                else ""
            )
            lines.append(f"- {name} is not set{hint}.")
        else:
            lines.append(f"- {name}: {item['msg']}.")
    lines.append("Set them in the environment or in a .env file (see .env.example).")
    return "\n".join(lines)
