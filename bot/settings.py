"""Operator settings, read from the environment and ``.env`` (pydantic-settings).

Every field maps to an upper-case environment variable (``DISCORD_TOKEN``,
``DATABASE_URL``…); ``.env.example`` lists them. Secrets are ``SecretStr`` and never
printed.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.guilds.config import Allowance, GuildConfig, Prices
from bot.providers.catalogue import ModelSetting

ProviderName = Literal["preview", "ark", "evolink", "fal", "replicate"]


class Settings(BaseSettings):
    """Callsheet's configuration.

    Attributes:
        discord_token: the bot token (required).
        data_dir: where media, results and (by default) the database live.
        database_url: the database: ``sqlite:///path/to/file`` or
            ``postgresql://user:password@host:5432/dbname`` (storage/db.py); unset, the
            SQLite file ``database_path``.
        database_path: SQLite file when no ``database_url``; defaults to
            ``data_dir/callsheet.sqlite3``.
        provider: the default video provider; unset, it is the first one with an API key
            (ark, evolink, fal, replicate), else ``preview`` (the local renderer). Guilds may pick
            another configured one with ``/admin config set provider``.
        ark_api_key / ark_region / ark_base_url / ark_model / ark_fast_model: BytePlus
            ModelArk or Volcengine Ark. ``ark_region`` (``byteplus`` or ``volcengine``)
            picks the default base URL and model ids (``dreamina-…`` or ``doubao-…``);
            unset, the region is the one the base URL is in (a ``volces.com`` host is
            Volcengine), else BytePlus. Base URL and model ids set here win over the
            region's defaults (model ids change; ``ep-…`` endpoint ids work too).
        ark_service_tier: Ark's ``service_tier``: ``default``, or ``flex`` (cheaper, runs
            when Ark has spare capacity, so slower); unset, Ark's default.
        evolink_api_key / evolink_base_url: an EvoLink-style aggregator (seeds 001, 004).
        fal_key / fal_queue_base: fal's queue API.
        replicate_api_token / replicate_base_url: Replicate's predictions API (models
            ``bytedance/seedance-2.0`` and ``…-fast``).
        replicate_webhook_secret: the account's webhook signing secret (``whsec_…``);
            unset, Replicate's webhooks are checked by their per-job token only.
        fal_webhook_jwks_url: where fal publishes the keys its webhooks are signed with
            (empty: the webhooks' per-job token is their only check).
        asset_host: how reference files reach providers: ``http`` (the bot's own signed-URL
            server at ``PUBLIC_BASE_URL``), ``s3`` (an S3-compatible bucket, presigned URLs:
            ``S3_BUCKET``, ``S3_ENDPOINT_URL``, ``S3_REGION``, ``S3_ACCESS_KEY_ID``,
            ``S3_SECRET_ACCESS_KEY``; the bucket then also keeps every upload, fixed asset
            and result by key under ``<S3_PREFIX>media/``, so processes on other machines
            share them: :mod:`bot.hosting.s3_media`) or ``discord`` (uploads to
            ``STORAGE_CHANNEL_ID``).
        public_base_url: the address at which providers reach the bot's web server: its
            asset server (signed, expiring URLs of reference files; needed by every real
            provider unless ASSET_HOST is s3 or discord) and its provider callbacks.
        provider_callbacks: with a public URL, ask providers to call back when a task
            ends, polling only as a slow fallback (docs/ARCHITECTURE.md "Jobs and
            callbacks"); false: poll every job.
        callback_signing_key: HMAC key of the per-job callback tokens (default: derived
            from the bot token).
        asset_server_host / asset_server_port: where the asset server listens.
        asset_signing_key: HMAC key of asset URLs (default: derived from the bot token).
        max_upload_bytes: upload results at most this big (bytes), below Discord's own limit
            (a larger result is compressed to fit and linked in full quality).
        max_running_jobs / max_running_jobs_per_guild: jobs running at once.
        worker_nice: scheduling priority (Linux ``nice``, 0–19) of the worker pools' threads
            (drawing, probing, face checks, fixes). 0 by default. On a host that runs only
            Callsheet, 10 lets the event loop's thread take a core first (it halved the
            role-select ack p99 at 200 members in ``bench/acks.py``); on a shared host it
            starves that work behind other processes (4× slower tests with two busy cores).
        job_deadline_minutes: a job not finished this long after Generate expires (refund).
        run_jobs: this gateway process runs jobs too (the default); false where job workers
            (``python -m bot worker``) run them: it only queues, cancels and shows them.
        job_lease_s: a process's claim on a job lasts this long past its last heartbeat
            (one every third of it); a process that dies has its jobs taken over then.
        The next group are the defaults of every guild's policy; moderators change them per
        guild with ``/admin`` (see :class:`bot.guilds.config.GuildConfig`):
        starting_allowance: credits a member gets the first time they use the bot in a guild.
        credits_per_usd: credits per US dollar of the provider's bill: every guild's
            prices follow the provider's published rates for each model at this rate
            (10 by default: a 5 s 720p Seedance 2.0 video on fal, $1.51, is 16 credits);
            moderators may set their own per guild (``/admin prices``).
        ark_models / evolink_models / fal_models / replicate_models: the operator's models
            beyond a provider's defaults (2.0 Mini where its id is known to the operator,
            newer versions, or a default model changed), as JSON ``{"<key>": {"id",
            "label", "resolutions", "ratios", "usd_per_second": {"720p": …},
            "video_input_factor", "input_seconds"}}``
            (:class:`bot.providers.catalogue.ModelSetting`).
        session_idle_minutes: an open session with no activity for this long expires.
        retention_days: files of closed and expired sessions, results and work files are
            removed this many days after they were last used, keeping every file a result
            delivered within the period still needs for its buttons
            (:mod:`bot.generation.retention`); 0 keeps everything.
        default_duration_s / default_resolution: new-session defaults.
        discord_api_base / discord_gateway_url: point discord.py at another Discord (the
            test emulator); unset in production.
        message_content_intent: read attachments of ordinary messages (a privileged intent:
            enable it in the developer portal, or set false and use ``/video add``).
        sync_commands: sync application commands at start-up.
        command_guild_id: sync commands to this guild only (instant; for development).
        log_level: logging level name.
        metrics: start the bot's web server for ``GET /metrics`` (Prometheus, bot/metrics.py)
            even without ``PUBLIC_BASE_URL``; with one, ``/metrics`` is served anyway.
        shard_count / shard_id: split the guilds over several gateway processes, one shard
            each (Discord's sharding: a guild's events go to shard
            ``(guild_id >> 22) % shard_count``). Every process sets the same
            ``SHARD_COUNT`` and its own ``SHARD_ID`` (0, 1, …); unset, one process holds
            every guild. Only shard 0's process syncs commands and runs the idle-session
            and retention sweeps (:attr:`runs_once`).
        worker_id: this process's name in job claims (docs/ARCHITECTURE.md "Several
            workers"); every process sharing a database needs its own, kept across its
            restarts (it takes its jobs back at once). Default: ``shard-<SHARD_ID>`` for a
            shard, the host name for a worker (a container's is kept across its restarts),
            else ``main``.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr
    data_dir: Path = Path("data")
    database_url: SecretStr | None = None  # a PostgreSQL URL may carry a password
    database_path: Path | None = None
    provider: ProviderName | None = None
    ark_api_key: SecretStr | None = None
    ark_region: Literal["byteplus", "volcengine"] | None = None
    ark_base_url: str | None = None
    ark_model: str | None = None
    ark_fast_model: str | None = None
    ark_service_tier: Literal["default", "flex"] | None = None
    evolink_api_key: SecretStr | None = None
    evolink_base_url: str = "https://api.evolink.ai"
    fal_key: SecretStr | None = None
    fal_queue_base: str = "https://queue.fal.run"
    fal_webhook_jwks_url: str | None = "https://rest.alpha.fal.ai/.well-known/jwks.json"
    replicate_api_token: SecretStr | None = None
    replicate_base_url: str = "https://api.replicate.com"
    replicate_webhook_secret: SecretStr | None = None
    asset_host: Literal["http", "s3", "discord"] = "http"
    public_base_url: str | None = None
    provider_callbacks: bool = True
    callback_signing_key: SecretStr | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "callsheet/"
    storage_channel_id: int | None = None
    asset_server_host: str = "0.0.0.0"
    asset_server_port: int = Field(8765, ge=0, le=65535)
    asset_signing_key: SecretStr | None = None
    max_upload_bytes: int | None = Field(None, ge=1_000_000)
    max_running_jobs: int = Field(4, ge=1)
    max_running_jobs_per_guild: int = Field(2, ge=1)
    worker_nice: int = Field(0, ge=0, le=19)
    job_deadline_minutes: int = Field(60, ge=1)
    run_jobs: bool = True
    job_lease_s: float = Field(60.0, ge=3.0, le=3600.0)
    starting_allowance: int = Field(100, ge=0)
    credits_per_usd: float = Field(10.0, gt=0, le=100_000)
    ark_models: dict[str, ModelSetting] = Field(default_factory=dict)
    evolink_models: dict[str, ModelSetting] = Field(default_factory=dict)
    fal_models: dict[str, ModelSetting] = Field(default_factory=dict)
    replicate_models: dict[str, ModelSetting] = Field(default_factory=dict)
    session_idle_minutes: int = Field(60, ge=1)
    retention_days: int = Field(30, ge=0)
    default_duration_s: int = Field(5, ge=4, le=15)
    default_resolution: Literal["480p", "720p", "1080p"] = "720p"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    message_content_intent: bool = True
    sync_commands: bool = True
    command_guild_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics: bool = False
    shard_count: int | None = Field(None, ge=1)
    shard_id: int | None = Field(None, ge=0)
    worker_id: str | None = Field(None, min_length=1, max_length=100)

    @property
    def job_worker_id(self) -> str:
        """The name this process's job runner claims jobs under (see ``worker_id``)."""
        if self.worker_id:
            return self.worker_id
        return "main" if self.shard_id is None else f"shard-{self.shard_id}"

    @property
    def database_file(self) -> Path:
        """The SQLite file to open when ``database_url`` is unset."""
        return self.database_path or self.data_dir / "callsheet.sqlite3"

    @property
    def database(self) -> str:
        """The URL of the database to open (storage/db.py ``Database.open_url``)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.database_file}"

    @property
    def default_provider(self) -> str:
        """The provider named by PROVIDER, else the first with a key, else "preview"."""
        if self.provider:
            return self.provider
        keyed = {
            "ark": self.ark_api_key,
            "evolink": self.evolink_api_key,
            "fal": self.fal_key,
            "replicate": self.replicate_api_token,
        }
        return next((name for name, key in keyed.items() if key is not None), "preview")

    def signing_key(self) -> bytes:
        """HMAC key for asset URLs: ASSET_SIGNING_KEY, else derived from the bot token."""
        if self.asset_signing_key is not None:
            return self.asset_signing_key.get_secret_value().encode()
        token = self.discord_token.get_secret_value().encode()
        return hmac.new(token, b"callsheet asset urls", hashlib.sha256).digest()

    def callback_key(self) -> bytes:
        """HMAC key for callback tokens: CALLBACK_SIGNING_KEY, else derived from the token."""
        if self.callback_signing_key is not None:
            return self.callback_signing_key.get_secret_value().encode()
        token = self.discord_token.get_secret_value().encode()
        return hmac.new(token, b"callsheet provider callbacks", hashlib.sha256).digest()

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, token: SecretStr) -> SecretStr:
        if not token.get_secret_value().strip():
            raise ValueError("it is empty; paste the bot token from the Discord developer portal")
        return token

    @model_validator(mode="after")
    def _shard_fits(self) -> Self:
        if self.shard_id is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_ID needs SHARD_COUNT (the number of shards in all)")
        if self.shard_id >= self.shard_count:
            raise ValueError(f"SHARD_ID must be from 0 to {self.shard_count - 1} (SHARD_COUNT)")
        return self

    @property
    def runs_once(self) -> bool:
        """Whether this process does what only one gateway process may: sync commands and
        expire idle sessions (unsharded, or shard 0)."""
        return not self.shard_id

    def default_guild_config(self) -> GuildConfig:
        """The policy every guild starts with."""
        return GuildConfig(
            allowance=Allowance(
                starting_grant=self.starting_allowance, refill_cap=self.starting_allowance
            ),
            prices=Prices(credits_per_usd=self.credits_per_usd),
            default_resolution=self.default_resolution,
            default_duration_s=self.default_duration_s,
            session_idle_minutes=self.session_idle_minutes,
            provider=self.default_provider,
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
    if any(item["type"] == "missing" for item in error.errors()):
        lines.append("To try Callsheet without a Discord account first: python -m bot playground")
    return "\n".join(lines)
