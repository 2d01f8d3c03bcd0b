"""Start-up and shutdown of the core services: everything opened is closed, also when a
later step of the start-up fails (a real failure: the asset server's port is taken)."""

from __future__ import annotations

import gc
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.services import build_services, private_folder
from bot.settings import Settings
from storage.db import Database, DatabaseClosed


def _settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        discord_token="test-token",
        data_dir=tmp_path / "data",
        public_base_url=f"http://127.0.0.1:{port}",
        asset_server_host="127.0.0.1",
        asset_server_port=port,
        _env_file=None,
    )


def _live(kinds: tuple[type[Any], ...]) -> list[Any]:
    return [o for o in gc.get_objects() if isinstance(o, kinds)]


async def _assert_closed(db: Database) -> None:
    with pytest.raises(DatabaseClosed):  # a closed database refuses every query
        await db.fetchone("SELECT 1")


async def test_a_failed_start_closes_what_it_had_opened(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = _settings(tmp_path, taken.getsockname()[1])
        kinds = (Database, aiohttp.ClientSession)
        before = {id(o) for o in _live(kinds)}
        with pytest.raises(OSError) as failure:  # the asset server cannot listen
            await build_services(settings)
        # The traceback keeps build_services' frame, so what it opened is still alive.
        opened = [o for o in _live(kinds) if id(o) not in before]
        assert failure.value is not None
    assert sorted(type(o).__name__ for o in opened) == ["ClientSession", "Database"]
    for resource in opened:
        if isinstance(resource, aiohttp.ClientSession):
            assert resource.closed
        else:
            await _assert_closed(resource)


async def test_close_stops_the_asset_server_and_closes_the_session_and_database(
    tmp_path: Path,
) -> None:
    async with await build_services(_settings(tmp_path, 0)) as services:
        assert services.asset_server is not None and services.asset_server.port
        port = services.asset_server.port
        async with services.http.get(f"http://127.0.0.1:{port}/assets/0/x/y") as response:
            assert response.status == 404  # listening (an expired URL is not served)
    assert services.http.closed
    await _assert_closed(services.db)
    with socket.socket() as again:
        # SO_REUSEADDR passes over the request's TIME_WAIT, never over a live listener.
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))  # the asset server let go of its port
    await services.close()  # a second close is harmless


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({}, 200),  # the bot's own asset server takes the callbacks too
        ({"asset_host": "s3", "s3_bucket": "b", "s3_access_key_id": "k",
          "s3_secret_access_key": "s"}, 200),  # references elsewhere: a server for callbacks
        ({"provider_callbacks": False}, 404),  # polling only: no callback route
    ],
)  # fmt: skip
async def test_the_public_url_receives_provider_callbacks(
    tmp_path: Path, options: dict[str, Any], answer: int
) -> None:
    port = _free_port()
    settings = Settings(
        discord_token="test-token", data_dir=tmp_path / "data", ark_api_key="ark-key",
        public_base_url=f"http://127.0.0.1:{port}", asset_server_host="127.0.0.1",
        asset_server_port=port, _env_file=None, **options,
    )  # fmt: skip
    services = await build_services(settings)
    try:
        assert (services.runner.callbacks is not None) == (answer == 200)
        token = services.runner.callbacks.token("ark", 1) if services.runner.callbacks else "x"
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"http://127.0.0.1:{port}/callbacks/ark/1/{token}", json={}) as response,
        ):
            assert response.status == answer  # 200: no such job running, acknowledged
    finally:
        await services.close()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The process umask 022 (files 0644, folders 0755) for the test, as a host might
    start the bot with; restored after."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("open_umask")
async def test_the_data_folder_and_database_are_private_whatever_the_umask(
    tmp_path: Path,
) -> None:
    """``DATA_DIR`` 0700 and the database (and its WAL files) 0600 even when the process
    runs with a permissive umask; an existing world-readable data folder is closed."""
    existing = tmp_path / "data"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    async with await build_services(_settings(tmp_path, 0)) as services:
        await services.db.write(lambda conn: None)  # the WAL exists once written
        files = sorted(existing.glob("callsheet.sqlite3*"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
    assert stat.S_IMODE(existing.stat().st_mode) == 0o700
    assert "callsheet.sqlite3-wal" in modes
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.usefixtures("open_umask")
def test_a_new_data_folder_is_made_private(tmp_path: Path) -> None:
    made = private_folder(tmp_path / "deep" / "data")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


@pytest.mark.usefixtures("open_umask")
async def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    db = await Database.open(path)
    await db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
