"""``python -m bot media-keys`` on SQLite and a real PostgreSQL, against moto's S3 server:
rows written before media keys (absolute paths, old request JSON) are moved into the
bucket by key, so a process with another data directory reads them; files already gone
or outside the data directory stay as they were; a second run changes nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import amain
from bot.hosting.s3_media import S3MediaStore
from bot.seedance.compiler import compile_request, request_from_json, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_asset, make_session
from tests.s3 import ACCESS_KEY, REGION, SECRET, make_host

pytest.importorskip("moto.server", reason="moto[server] is not installed")


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.sqlite3"
    else:
        yield request.getfixturevalue("postgres_url")


def _copy(media: Path, source: str, to: Path) -> Path:
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(media / source, to)
    return to


async def _old_rows(db: Database, data: Path, media: Path, elsewhere: Path) -> dict[str, Path]:
    """An install's rows from before media keys: every file named by its absolute path
    but one, written with the relative DATA_DIR ``data`` (the working directory's), and
    the job's request in the old JSON (each asset with ``path``)."""
    files = {
        "picture": _copy(media, "images/coffee.png", data / "sessions/1/aaaa.png"),
        "kept": _copy(media, "video/city_720p.mp4", data / "sessions/1/pending/bbbb.mp4"),
        "result": _copy(media, "video/city_720p.mp4", data / "results/job-1.mp4"),
        "gone": data / "sessions/1/cccc.png",
        "outside": _copy(media, "images/rocket.jpg", elsewhere / "rocket.jpg"),
        "relative": _copy(media, "images/coffee.png", data / "sessions/1/dddd.png"),
    }
    repo = SessionRepository(db)
    session = await repo.create(
        guild_id=1, channel_id=2, user_id=3, prompt="", duration_s=5, ratio="16:9",
        resolution="480p", generate_audio=False, now=NOW,
    )  # fmt: skip
    for name in ("picture", "gone", "outside", "relative"):
        written = files[name].relative_to(data.parent) if name == "relative" else files[name]
        await repo.add_asset(
            session_id=session, now=NOW, kind="image", role="character",
            path=str(written), filename=f"{name}.png", sha256=name, format="png",
            size_bytes=1, face_flag="none",
        )  # fmt: skip
    await repo.add_pending(session, 3, str(files["kept"]), "long.mp4", "[]", NOW)
    picture = make_asset("image", 1, "character", path=files["picture"])
    body = json.loads(
        request_to_json(compile_request(make_session(picture), "tags", DEFAULT_LIMITS))
    )
    body["images"][0]["asset"]["path"] = body["images"][0]["asset"].pop("key")
    ledger = LedgerRepository(db)
    await ledger.grant(1, 3, 100, "start", "", NOW)
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=1, channel_id=2, user_id=3, provider="preview",
        request_json=json.dumps(body), price=1, now=NOW,
    )  # fmt: skip
    assert outcome.job_id is not None
    await ledger.finish_job(outcome.job_id, "succeeded", NOW, result_path=str(files["result"]))
    return files


async def test_old_rows_move_into_the_bucket_by_key_and_a_second_run_changes_nothing(
    database_url: str, tmp_path: Path, media: Path, s3_endpoint: str, bucket: str,
    admin: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data = tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # DATA_DIR=data, as by default
    db = await Database.open_url(database_url)
    try:
        files = await _old_rows(db, data, media, tmp_path / "elsewhere")
    finally:
        await db.close()
    for name, value in {
        "DATABASE_URL": database_url, "DATA_DIR": "data", "ASSET_HOST": "s3",
        "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    assert await amain(["media-keys"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("4 files kept in the bucket by key (5 rows now name their keys); ")
    assert "1 files no longer kept, 1 outside" in said

    db = await Database.open_url(database_url)
    try:
        assets = [r["path"] for r in await db.fetchall("SELECT path FROM assets ORDER BY id")]
        (pending,) = await db.fetchall("SELECT path FROM pending_uploads")
        (job,) = await db.fetchall("SELECT result_path, request_json FROM jobs")
    finally:
        await db.close()
    assert assets == [
        "sessions/1/aaaa.png", str(files["gone"]), str(files["outside"]), "sessions/1/dddd.png"
    ]  # fmt: skip
    assert pending["path"] == "sessions/1/pending/bbbb.mp4"
    assert job["result_path"] == "results/job-1.mp4"
    request = request_from_json(job["request_json"])
    assert [ra.asset.key for ra in request.assets] == ["sessions/1/aaaa.png"]
    listing = await admin.list_objects_v2(Bucket=bucket, Prefix="callsheet/media/")
    assert len(listing["Contents"]) == 4

    # A worker with a data directory of its own now reads the job's files.
    async with make_host(s3_endpoint, bucket) as host:
        worker = S3MediaStore(host, tmp_path / "worker")
        (placed,) = (await worker.localise(request)).assets
        assert placed.asset.path.read_bytes() == files["picture"].read_bytes()
        result = await worker.fetch("results/job-1.mp4")
        assert result.read_bytes() == files["result"].read_bytes()

    assert await amain(["media-keys"]) == 0
    assert capsys.readouterr().out.startswith("0 files kept in the bucket by key (0 rows")


async def test_without_a_bucket_there_is_nothing_to_move(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSET_HOST", "http")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert await amain(["media-keys"]) == 2
    assert "ASSET_HOST is not s3" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # not even a database was made
