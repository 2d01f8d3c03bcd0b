"""Shared fixtures: the real media folder, a migrated database (SQLite, or both SQLite and a
real PostgreSQL server the suite starts itself), session builders."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from bot.media.probe import probe
from bot.seedance.session import Asset, Session, SessionState
from storage.db import Database

if TYPE_CHECKING:
    from tests.helpers import World

pytest_plugins = ["tests.s3"]  # S3 fixtures: moto's server on loopback, a bucket

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


_TEMPLATE = "callsheet_template"
_numbers = itertools.count(1)


@pytest.fixture
async def world(tmp_path: Path, media: Path) -> AsyncIterator[World]:
    """The emulator and the real bot with alice, as the end-to-end files use them
    (:func:`tests.helpers.running_bot`; a file needing other settings defines its own)."""
    from tests.helpers import running_bot  # discord.py and the emulator: end-to-end only

    async with running_bot(tmp_path, media) as running:
        yield running


def pg_url(server: str, dbname: str) -> str:
    """The server's URL naming database ``dbname``."""
    return urlsplit(server)._replace(path=f"/{dbname}").geturl()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the whole run (the ``pgserver`` package's binaries, in a
    temporary folder deleted after, on a Unix socket) holding a migrated template database;
    its URL. As root, pgserver runs the server as its own user, so the folder is made
    straight under the temporary directory (pytest's own are private to root).
    Skipped, with the reason, where pgserver is not installed; never on CI."""
    try:
        import psycopg
        from pgserver.postgres_server import get_server
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("pgserver is not installed (pip install -e '.[test]'): PostgreSQL untested")
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR as root on CI
        warnings.simplefilter("ignore")
        folder = tempfile.mkdtemp(prefix="callsheet-pg-")
        server = get_server(folder, cleanup_mode="delete")
    url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {_TEMPLATE}")

    async def migrate() -> None:
        await (await Database.open_url(pg_url(url, _TEMPLATE))).close()

    # asked for from inside a test's event loop: migrate on a loop of its own
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, migrate()).result()
    yield url
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, migrated database of its own on the test server (a copy of the template),
    dropped after the test; its URL."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    yield pg_url(postgres_server, name)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
async def both_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database on each back end in turn: a SQLite file, then a database of
    its own on the test PostgreSQL server. A module runs its ``db`` tests on both by
    defining a ``db`` fixture that returns ``both_db``."""
    if request.param == "sqlite":
        database = await Database.open_url(f"sqlite:///{tmp_path}/test.sqlite3")
    else:
        database = await Database.open_url(request.getfixturevalue("postgres_url"))
    yield database
    await database.close()


@pytest.fixture
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a real SQLite file; with ``CALLSHEET_TEST_DB=postgresql``, a
    database of its own on the test PostgreSQL server instead (every test taking ``db``
    then runs on PostgreSQL)."""
    if os.environ.get("CALLSHEET_TEST_DB") == "postgresql":
        database = await Database.open_url(request.getfixturevalue("postgres_url"))
    else:
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
        key=str(path or Path(f"/nowhere/{kind}{ordinal}")),
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
