"""compose.yaml, checked by reading (no Docker engine runs here): every setting it gives
the bot is one the bot reads, the shards cover 0..SHARD_COUNT-1 once each, and each bot
process passes the settings check with the values compose gives it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
BOTS = {name: s for name, s in COMPOSE["services"].items() if s.get("build") == "."}
FILLED = {  # what the operator's .env gives compose's ${…}
    "POSTGRES_PASSWORD": "0123abcd",
    "S3_PUBLIC_URL": "https://media.example.org",
    "MINIO_ROOT_USER": "callsheet",
    "MINIO_ROOT_PASSWORD": "secret-secret",
}


def _interpolate(value: str) -> str:
    return re.sub(r"\$\{([A-Z_]+)(?::\?[^}]*)?\}", lambda m: FILLED[m.group(1)], value)


def _settings(service: dict[str, Any]) -> Settings:
    env = {key.lower(): _interpolate(str(v)) for key, v in service["environment"].items()}
    return Settings(discord_token="t", _env_file=None, **env)


def test_four_bot_processes_two_shards_and_two_workers() -> None:
    assert set(BOTS) == {"shard-0", "shard-1", "worker-1", "worker-2"}
    workers = [s for s in BOTS.values() if s.get("command") == ["python", "-m", "bot", "worker"]]
    assert len(workers) == 2
    assert (ROOT / "Dockerfile").is_file()


def test_every_setting_compose_gives_is_one_the_bot_reads() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for service in BOTS.values():
        assert set(service["environment"]) <= fields


def test_each_process_passes_the_settings_check_on_postgresql_and_s3() -> None:
    for service in BOTS.values():
        settings = _settings(service)
        assert settings.database.startswith("postgresql://callsheet:0123abcd@postgres:5432/")
        assert (settings.asset_host, settings.s3_bucket, settings.metrics) == (
            "s3", "callsheet", True,
        )  # fmt: skip
    shards = [_settings(BOTS[name]) for name in ("shard-0", "shard-1")]
    assert sorted(s.shard_id for s in shards if s.shard_id is not None) == [0, 1]
    assert {s.shard_count for s in shards} == {2}
    assert [s.runs_once for s in shards] == [True, False]


def test_the_bot_processes_share_no_disk() -> None:
    """Media are kept in the bucket by key (ASSET_HOST=s3), so no volume is shared: each
    container's DATA_DIR is its own cache."""
    assert all("volumes" not in service for service in BOTS.values())
    assert set(COMPOSE["volumes"]) == {"postgres-data", "minio-data"}  # the two stores' own
    assert all(_settings(service).asset_host == "s3" for service in BOTS.values())


def test_the_bucket_compose_makes_is_the_one_the_bots_use() -> None:
    script = COMPOSE["services"]["minio-init"]["command"][0]
    assert "mc mb --ignore-existing local/callsheet" in script
    assert {s["environment"]["S3_BUCKET"] for s in BOTS.values()} == {"callsheet"}
