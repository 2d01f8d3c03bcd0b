"""Shared fixtures: the real media folder, a migrated SQLite database, session builders."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.media.probe import probe
from bot.seedance.session import Asset, Session, SessionState
from storage.db import Database

#: ``../shared/media`` beside the project, or ``$CALLSHEET_MEDIA`` (a worktree elsewhere).
MEDIA = Path(
    os.environ.get("CALLSHEET_MEDIA") or Path(__file__).resolve().parents[2] / "shared" / "media"
)


@pytest.fixture
def media() -> Path:
    """``../shared/media`` (real photographs, footage and recordings); skip when absent."""
    if not MEDIA.is_dir():
        pytest.skip(f"real test media not found at {MEDIA} (see shared/media/README.md)")
    return MEDIA


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a real SQLite file."""
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_asset(
    kind: str,
    ordinal: int,
    role: str,
    *,
    asset_id: int | None = None,
    path: Path | None = None,
    duration_s: float | None = None,
) -> Asset:
    """An asset for pure-logic tests; probes ``path`` when given."""
    info = probe(path) if path is not None else None
    return Asset(
        id=asset_id
        if asset_id is not None
        else ordinal + {"image": 0, "video": 100, "audio": 200}[kind],
        session_id=1,
        kind=kind,  # type: ignore[arg-type]
        ordinal=ordinal,
        role=role,
        path=path or Path(f"/nowhere/{kind}{ordinal}"),
        filename=path.name if path else f"{kind}{ordinal}.bin",
        sha256=f"{kind}{ordinal}",
        format=info.format if info else {"image": "png", "video": "mp4", "audio": "mp3"}[kind],
        size_bytes=info.size_bytes if info else 1000,
        width=info.width if info else None,
        height=info.height if info else None,
        duration_s=info.duration_s if info else duration_s,
        has_audio=info.has_audio if info else False,
    )


def make_session(
    *assets: Asset,
    prompt: str = "",
    duration_s: int = 5,
    ratio: str = "16:9",
    resolution: str = "720p",
) -> Session:
    """A session for pure-logic tests."""
    return Session(
        id=1,
        guild_id=10,
        channel_id=20,
        user_id=30,
        state=SessionState.OPEN,
        prompt=prompt,
        duration_s=duration_s,
        ratio=ratio,
        resolution=resolution,
        generate_audio=True,
        created_at=NOW,
        updated_at=NOW,
        assets=tuple(assets),
    )
