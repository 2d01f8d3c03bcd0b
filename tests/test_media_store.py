"""Media by key (bot/hosting/store.py, bot/hosting/s3_media.py): the local store keeps
absolute paths as before; the S3 store keeps files in a real S3 implementation (moto's
server on loopback) under keys relative to the data directory, so a process with another
data directory fetches what one process stored."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from yarl import URL

pytest.importorskip("aiobotocore", reason="aiobotocore is not installed")
pytest.importorskip("moto.server", reason="moto[server] is not installed")

from bot.errors import CallsheetError
from bot.generation.jobs import JobRunner
from bot.hosting.s3_media import S3MediaStore
from bot.hosting.store import MediaStore, MediaUnreachable
from bot.media.fixes.plan import plan_fixes
from bot.media.probe import probe
from bot.providers.preview import PreviewProvider
from bot.seedance.compiler import (
    GenerationRequest,
    RequestAsset,
    request_from_json,
    request_to_json,
)
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Asset
from bot.services import build_services
from bot.settings import Settings
from bot.words import (
    Words,
    say,
)
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_asset
from tests.s3 import ACCESS_KEY, REGION, SECRET, make_host
from tests.test_jobs import ALICE, Ended


def _request(assets: list[Asset]) -> GenerationRequest:
    placed = tuple(RequestAsset(a, n, "reference_image") for n, a in enumerate(assets, 1))
    return GenerationRequest(
        mode="reference_to_video", mode_reason=say("mode-why-reference"), dialect="tags",
        prompt="@Image1", images=placed, videos=(), audios=(), duration_s=5, ratio="16:9",
        resolution="720p", generate_audio=False,
    )  # fmt: skip


def _file(folder: Path, relative: str, data: bytes) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def test_the_local_store_keys_files_by_their_absolute_path(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    made = _file(tmp_path, "sessions/1/a.jpg", b"jpeg")
    key = await store.put(made)
    assert key == str(made.resolve()) and await store.fetch(key) == made.resolve()
    assert await store.exists(key) and await store.remove([key]) == 0 and made.exists()
    with pytest.raises(FileNotFoundError):
        await store.fetch(str(tmp_path / "gone.jpg"))
    with pytest.raises(ValueError, match="outside the data directory"):
        store.path("../../etc/passwd")


async def test_rows_written_with_a_relative_data_dir_still_read_their_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``DATA_DIR=data`` (the default) rows from before keys hold paths relative to
    the working directory, starting with it; new keys are absolute."""
    monkeypatch.chdir(tmp_path)
    store = MediaStore(Path("data"))
    made = _file(tmp_path, "data/sessions/1/a.jpg", b"jpeg")
    assert await store.fetch("data/sessions/1/a.jpg") == made
    assert await store.exists("data/sessions/1/a.jpg")
    assert await store.put(Path("data/sessions/1/a.jpg")) == str(made)


async def test_a_worker_with_another_data_directory_fetches_what_the_gateway_stored(
    s3_endpoint: str, bucket: str, admin: Any, tmp_path: Path
) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB, every byte value
    async with (
        make_host(s3_endpoint, bucket) as gateway_host,
        make_host(s3_endpoint, bucket) as worker_host,
    ):
        gateway = S3MediaStore(gateway_host, tmp_path / "gateway")
        worker = S3MediaStore(worker_host, tmp_path / "worker")
        upload = _file(tmp_path / "gateway", "sessions/7/3fa9.mp4", body)
        key = await gateway.put(upload)
        assert key == "sessions/7/3fa9.mp4"
        head = await admin.head_object(Bucket=bucket, Key="callsheet/media/sessions/7/3fa9.mp4")
        assert head["ContentLength"] == len(body)

        assert not (tmp_path / "worker" / key).exists()
        assert await worker.exists(key)
        fetched = await worker.fetch(key)
        assert fetched == (tmp_path / "worker" / key).resolve()
        assert fetched.read_bytes() == body
        assert [p.name for p in fetched.parent.iterdir()] == ["3fa9.mp4"]  # no temporary left

        # The worker's result comes back to the gateway the same way.
        result = _file(tmp_path / "worker", "results/job-7.mp4", b"result" * 1000)
        assert (
            await gateway.fetch(await worker.put(result))
            == (tmp_path / "gateway" / "results/job-7.mp4").resolve()
        )


async def test_a_key_nobody_stored_is_not_found(
    s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        store = S3MediaStore(host, tmp_path)
        assert not await store.exists("results/job-404.mp4")
        with pytest.raises(FileNotFoundError):
            await store.fetch("results/job-404.mp4")
        assert not (tmp_path / "results").exists()


async def test_rows_from_before_keys_still_read_their_local_files(
    s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """An absolute key (every row written before media keys) is a file on this machine."""
    old = _file(tmp_path / "old-data", "sessions/1/a.png", b"png")
    async with make_host(s3_endpoint, bucket) as host:
        store = S3MediaStore(host, tmp_path / "data")
        assert await store.fetch(str(old)) == old and await store.exists(str(old))
        assert await store.put(old) == str(old.resolve())  # outside: stays here
        # A job's request as rows before media keys stored it: each asset with "path".
        body = json.loads(request_to_json(_request([make_asset("image", 1, "character")])))
        body["images"][0]["asset"].pop("key")
        body["images"][0]["asset"]["path"] = str(old)
        (placed,) = request_from_json(json.dumps(body)).assets
        assert placed.asset.key == str(old) and placed.asset.path == old
        assert (await store.localise(request_from_json(json.dumps(body)))).assets == (placed,)


async def test_localise_fetches_every_asset_of_a_request(
    s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        gateway = S3MediaStore(host, tmp_path / "gateway")
        worker = S3MediaStore(host, tmp_path / "worker")
        keys = [
            await gateway.put(_file(tmp_path / "gateway", f"sessions/2/{n}.png", bytes([n])))
            for n in (1, 2)
        ]
        assets = [
            dataclasses.replace(make_asset("image", n, "character"), key=key)
            for n, key in enumerate(keys, 1)
        ]
        request = _request(assets)
        stored = request_from_json(request_to_json(request))
        assert [ra.asset.key for ra in stored.assets] == keys  # the row holds keys
        with pytest.raises(ValueError, match="not on this machine"):
            _ = stored.assets[0].asset.path
        local = await worker.localise(stored)
        assert [ra.asset.path.read_bytes() for ra in local.assets] == [b"\x01", b"\x02"]
        assert all(ra.asset.path.is_relative_to(tmp_path / "worker") for ra in local.assets)


async def test_removing_keys_deletes_them_in_the_bucket_keeping_what_is_needed(
    s3_endpoint: str, bucket: str, admin: Any, tmp_path: Path
) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        store = S3MediaStore(host, tmp_path)
        for relative in ("sessions/3/a.png", "sessions/3/b.png", "sessions/30/c.png",
                         "results/job-3.mp4", "jobs/3/last.png"):  # fmt: skip
            await store.put(_file(tmp_path, relative, b"x"))
        gone = await store.remove(
            ["sessions/3/", "jobs/3/", "results/job-3.mp4", "results/job-3-fitted.mp4"],
            keep=["sessions/3/b.png"],
        )
        listing = await admin.list_objects_v2(Bucket=bucket, Prefix="callsheet/media/")
        left = sorted(item["Key"].removeprefix("callsheet/media/") for item in listing["Contents"])
        # sessions/3/a.png, jobs/3/last.png and results/job-3.mp4, and the fitted copy named
        # outright (S3 deletes a missing key without a word)
        assert gone == 4
        assert left == ["sessions/3/b.png", "sessions/30/c.png"]  # sessions/3/ ≠ sessions/30/


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_bucket_says_so_in_plain_words_and_keeps_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host = make_host(f"http://127.0.0.1:{_closed_port()}", "callsheet-media")
    async with host:
        store = S3MediaStore(host, tmp_path)
        upload = _file(tmp_path, "sessions/9/a.png", b"png")
        with pytest.raises(MediaUnreachable) as refused:
            await store.put(upload)
        with pytest.raises(MediaUnreachable):
            await store.fetch("results/job-9.mp4")
        with pytest.raises(MediaUnreachable):
            await store.exists("results/job-9.mp4")
        with pytest.raises(MediaUnreachable):
            await store.remove(["sessions/9/"])
    assert isinstance(refused.value, CallsheetError)  # the one error path shows it
    english = Words().voice("en-US")(refused.value.phrase)
    chinese = Words().voice("zh-CN")(refused.value.phrase)
    assert "file storage" in english and "again" in english
    assert english != chinese and "S3" not in english + chinese
    assert "media: storing sessions/9/a.png failed" in caplog.text
    assert SECRET not in caplog.text


async def test_a_job_whose_files_cannot_be_fetched_fails_refunded_in_plain_words(
    db: Database, tmp_path: Path
) -> None:
    """A worker that can't reach the bucket sends nothing to the provider: the job fails
    with the storage message and its hold comes back (on SQLite and PostgreSQL)."""
    ledger = LedgerRepository(db)
    await ledger.grant(1, ALICE, 100, "start", "", NOW)
    session = await SessionRepository(db).create(
        guild_id=1, channel_id=2, user_id=ALICE, prompt="", duration_s=5, ratio="16:9",
        resolution="480p", generate_audio=False, now=NOW,
    )  # fmt: skip
    stored = dataclasses.replace(make_asset("image", 1, "character"), key="sessions/1/a.png")
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=1, channel_id=2, user_id=ALICE, provider="preview",
        request_json=request_to_json(_request([stored])), price=10, now=NOW,
    )  # fmt: skip
    assert outcome.job_id is not None
    preview = PreviewProvider(work_dir=tmp_path / "work")
    async with make_host(f"http://127.0.0.1:{_closed_port()}", "callsheet-media") as host:
        runner = JobRunner(
            ledger, {"preview": preview}, tmp_path / "worker" / "results", lambda: NOW,
            media=S3MediaStore(host, tmp_path / "worker"),
        )  # fmt: skip
        ended = Ended()
        runner.add_listener(ended)
        runner.start()
        try:
            job = await asyncio.wait_for(ended.jobs.get(), 60)
        finally:
            await runner.close()
    assert job.id == outcome.job_id and job.state == "failed"
    assert job.reason == say("s3media-unreachable")
    assert preview._tasks == {}  # nothing was sent to be rendered
    rows = await db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job.id,))
    assert sorted(r["kind"] for r in rows) == ["hold", "release"]
    balance = await ledger.balance(1, ALICE, NOW)
    assert (balance.available, balance.held) == (100, 0)


async def test_a_stored_file_is_published_as_its_own_object_not_uploaded_again(
    s3_endpoint: str, bucket: str, admin: Any, tmp_path: Path
) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        gateway = S3MediaStore(host, tmp_path / "gateway")
        worker = S3MediaStore(host, tmp_path / "worker")
        key = await gateway.put(_file(tmp_path / "gateway", "sessions/4/a.png", b"png" * 100))
        url = await worker.publish(await worker.fetch(key), expires_in_s=600)
        assert urlsplit(url).path == f"/{bucket}/callsheet/media/{key}"
        async with aiohttp.ClientSession() as http, http.get(URL(url, encoded=True)) as got:
            assert got.status == 200 and await got.read() == b"png" * 100
        # A file the bucket does not hold under its key (a board) goes the host's own way.
        board = _file(tmp_path / "worker", "boards/session-4.jpg", b"jpeg")
        other = await worker.publish(board, expires_in_s=600)
        assert "/callsheet/media/" not in other and other.split("?")[0].endswith("/session-4.jpg")
        listing = await admin.list_objects_v2(Bucket=bucket)
        assert len(listing["Contents"]) == 2  # the stored file once, the board once


async def test_a_fix_whose_kept_file_cannot_be_fetched_leaves_its_offer_standing(
    tmp_path: Path, media: Path, s3_endpoint: str, admin: Any
) -> None:
    """A kept-aside upload this machine has no copy of, while the bucket isn't there: the
    click says the storage isn't answering and changes nothing; once it answers, the same
    click applies the fix."""
    long_clip = media / "video/city_20s_1080p.mp4"
    settings = Settings(
        discord_token="t", data_dir=tmp_path / "data", asset_host="s3",
        s3_bucket="callsheet-fix-later", s3_endpoint_url=s3_endpoint, s3_region=REGION,
        s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET, _env_file=None,
    )  # fmt: skip
    async with await build_services(settings, clock=lambda: NOW) as services:
        session = await services.sessions.open_session(1, 2, ALICE)
        options = plan_fixes(probe(long_clip), DEFAULT_LIMITS, (), session.duration_s)
        key = f"sessions/{session.id}/pending/0123.mp4"  # taken in on another machine
        repo = SessionRepository(services.db)
        pending = await repo.add_pending(
            session.id, ALICE, key, "long.mp4", json.dumps([o.to_dict() for o in options]), NOW
        )
        with pytest.raises(MediaUnreachable):
            await services.uploads.apply_fix(pending, options[0].key, ALICE)
        assert await repo.unresolved_uploads(session.id) == 1  # the offer still stands

        await admin.create_bucket(Bucket="callsheet-fix-later")
        await admin.put_object(
            Bucket="callsheet-fix-later", Key=f"callsheet/media/{key}", Body=long_clip.read_bytes()
        )
        added = await services.uploads.apply_fix(pending, options[0].key, ALICE)
        assert added.asset.kind == "video" and added.asset.tag == "@video1"
        assert await repo.unresolved_uploads(session.id) == 0


async def test_a_provider_that_fetches_by_url_gets_the_stored_object_nothing_downloaded(
    s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        gateway = S3MediaStore(host, tmp_path / "gateway")
        worker = S3MediaStore(host, tmp_path / "worker")
        key = await gateway.put(_file(tmp_path / "gateway", "sessions/5/a.png", b"png" * 10))
        asset = dataclasses.replace(make_asset("image", 1, "character"), key=key)
        (placed,) = (await worker.localise(_request([asset]), fetch=False)).assets
        assert placed.asset.path == (tmp_path / "worker" / key).resolve()
        assert not placed.asset.path.exists()  # nothing downloaded
        url = await worker.publish(placed.asset.path, expires_in_s=60)
        async with aiohttp.ClientSession() as http, http.get(URL(url, encoded=True)) as got:
            assert await got.read() == b"png" * 10
