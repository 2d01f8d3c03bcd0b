"""The sessions, uploads and generation services on real parts: SQLite, an aiohttp file
server on loopback, the real preview provider. No Discord here (see test_e2e_session.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.credits.service import Credits
from bot.errors import (
    AssetRejected,
    CallsheetError,
    FixableUpload,
    InsufficientCredits,
    RolesUnconfirmed,
)
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.generation.service import Generation
from bot.guilds.config import Allowance, GuildConfig
from bot.guilds.service import GuildConfigs
from bot.providers.preview import PreviewProvider
from bot.providers.registry import ProviderRegistry
from bot.sessions.service import Sessions
from bot.sessions.uploads import Uploads
from bot.words import Words
from bot.workers import WorkerPool
from storage.db import Database
from storage.history import HistoryRepository
from storage.ledger import LedgerRepository
from storage.moderation import BanRepository, GuildConfigRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW

EN = Words.english().text


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


def offered(offer: FixableUpload) -> list[tuple[str, str]]:
    """The offer's buttons: fix key and English label."""
    return [(key, EN(label)) for key, label in offer.options]


G, C, U = 10, 20, 30


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Core:
    """The three services a session goes through, wired as the bot wires them."""

    sessions: Sessions
    uploads: Uploads
    generation: Generation


@dataclass
class Outcomes:
    """A job listener that collects deliveries; tests await the next one (no sleeps)."""

    queue: asyncio.Queue[Job] = field(default_factory=asyncio.Queue)

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        pass

    async def deliver(self, job: Job) -> int:
        await self.queue.put(job)
        return 1000 + job.id

    async def job_settled(self, job: Job) -> None:
        pass


@pytest.fixture
async def files(media: Path, tmp_path: Path) -> AsyncIterator[str]:
    """A loopback HTTP server for the real media (``/media``), the test's own files
    (``/tmp``: its ``tmp_path``) and a 'big' endpoint that never ends."""

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(200):
            await response.write(b"\0" * 1024 * 1024)
        return response

    app = web.Application()
    app.router.add_get("/big.mp4", big)
    app.router.add_static("/media", media)
    app.router.add_static("/tmp", tmp_path)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def core(db: Database, tmp_path: Path) -> AsyncIterator[tuple[Core, Clock, Outcomes]]:
    clock, outcomes = Clock(), Outcomes()
    ledger = LedgerRepository(db)
    provider = PreviewProvider(work_dir=tmp_path / "work")
    runner = JobRunner(ledger, {"preview": provider}, tmp_path / "results", clock)
    runner.add_listener(outcomes)
    runner.start()
    defaults = GuildConfig(
        allowance=Allowance(starting_grant=20), default_duration_s=4,
        default_resolution="480p", session_idle_minutes=30,
    )  # fmt: skip
    guild_configs = GuildConfigs(GuildConfigRepository(db), defaults, clock)
    registry = ProviderRegistry({"preview": provider}, "preview", guild_configs)
    repo = SessionRepository(db)
    data_dir = tmp_path / "data"
    async with aiohttp.ClientSession() as http:
        sessions = Sessions(
            repo=repo, guild_configs=guild_configs, providers=registry, data_dir=data_dir,
            render_pool=WorkerPool("render"), clock=clock,
        )  # fmt: skip
        uploads = Uploads(
            sessions=sessions, repo=repo, guild_configs=guild_configs, providers=registry,
            data_dir=data_dir, http=http, media_pool=WorkerPool("media"), clock=clock,
        )  # fmt: skip
        generation = Generation(
            sessions=sessions, ledger=ledger, bans=BanRepository(db),
            credits=Credits(ledger, guild_configs), guild_configs=guild_configs, providers=registry,
            runner=runner, job_deadline=timedelta(minutes=10), clock=clock,
            history=HistoryRepository(db),
        )  # fmt: skip
        yield Core(sessions, uploads, generation), clock, outcomes
        await runner.close()


async def test_assets_are_numbered_per_kind_and_get_suggested_roles(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U)
    uploads = [
        "images/rocket.jpg",
        "audio/loop_tabla.mp3",
        "images/coffee.png",
        "video/city_720p.mp4",
    ]
    tags = []
    for name in uploads:
        added = await s.uploads.add_asset(
            session.id, U, url=f"{files}/media/{name}", filename=Path(name).name, declared_size=1
        )
        asset = added.asset
        tags.append((asset.tag, asset.role))
        assert asset.role_suggested  # only suggested until the member chooses
        assert asset.path.exists() and asset.path.is_relative_to(s.sessions.data_dir)
    assert tags == [  # from what each shows: a wide view with nothing in the middle, a cup
        ("@image1", "scene"), ("@audio1", "background_music"),
        ("@image2", "object"), ("@video1", "camera_movement"),
    ]  # fmt: skip
    with pytest.raises(AssetRejected, match="already in this session as @image1"):
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/images/rocket.jpg",
                          filename="again.jpg", declared_size=1)  # fmt: skip


async def test_refused_uploads_keep_only_what_a_fix_can_cure(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U)
    with pytest.raises(AssetRejected, match="at most 50 MB"):
        await s.uploads.add_asset(session.id, U, url=f"{files}/big.mp4", filename="big.mp4",
                          declared_size=1000)  # the declared size lies  # fmt: skip
    with pytest.raises(AssetRejected, match="could not be decoded") as unreadable:
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/images/multipage_rgb.tif",
                          filename="multipage_rgb.tif", declared_size=1)  # fmt: skip
    assert ".part" not in str(unreadable.value)  # no internal paths in member messages
    folder = s.sessions.data_dir / "sessions" / str(session.id)
    assert list(folder.iterdir()) == []  # nothing kept of files no fix can cure
    with pytest.raises(FixableUpload, match="at least 300 px") as offer:
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/images/chessboard_GRAY.png",
                          filename="chessboard_GRAY.png", declared_size=418)  # fmt: skip
    assert [EN(label) for _, label in offer.value.options] == ["Enlarge to 300×300 px"]
    (kept,) = (folder / "pending").iterdir()
    assert kept.suffix == ".png"
    assert (await s.sessions.get(session.id)).assets == ()
    asset = (await s.uploads.apply_fix(offer.value.pending_id, "fit", U)).asset
    assert (asset.tag, asset.width, asset.height) == ("@image1", 300, 300)
    with pytest.raises(CallsheetError, match="already fixed"):
        await s.uploads.apply_fix(offer.value.pending_id, "fit", U)


async def test_a_trim_keeps_the_sessions_clip_length_and_the_budget_left(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U, duration_s=5)
    url = f"{files}/media/video/city_20s_1080p.mp4"
    with pytest.raises(FixableUpload, match="at most 15 s long") as offer:
        await s.uploads.add_asset(session.id, U, url=url, filename="long.mp4", declared_size=1)
    labels = [EN(label) for _, label in offer.value.options]
    assert labels[0] == "Trim to the first 5 s, scaled down to 1280×720"
    assert labels[1].startswith("Keep 3.7–8.7 s")
    asset = (await s.uploads.apply_fix(offer.value.pending_id, "trim_first", U)).asset
    assert (asset.tag, asset.width, asset.height) == ("@video1", 1280, 720)
    assert asset.duration_s is not None and 4.9 <= asset.duration_s <= 5.0
    # 10 s of the 15 s total are left, more than the clip's 5 s: the next trim keeps 5 s.
    with pytest.raises(FixableUpload) as again:
        await s.uploads.add_asset(session.id, U, url=url, filename="again.mp4", declared_size=1)
    assert EN(again.value.options[0][1]).startswith("Trim to the first 5 s")


async def test_only_the_owner_changes_a_session(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U)
    with pytest.raises(CallsheetError, match="belongs to"):
        await s.sessions.set_prompt(session.id, 999, "mine now")
    with pytest.raises(CallsheetError, match="already have a session"):
        await s.sessions.open_session(G, C, U)


async def test_failed_generation_refunds_and_keeps_the_session(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, outcomes = core
    session = await s.sessions.open_session(G, C, U)
    added = await s.uploads.add_asset(session.id, U, url=f"{files}/media/images/rocket.jpg",
                              filename="rocket.jpg", declared_size=1)  # fmt: skip
    asset = added.asset
    asset.path.write_bytes(b"corrupted after upload")  # the renderer will fail for real
    with pytest.raises(RolesUnconfirmed, match="@image1` \\*\\*scene"):  # only suggested
        await s.generation.generate(session.id, U)
    assert (await s.generation.balance(G, U)).held == 0  # nothing held while it asks
    started = await s.generation.generate(session.id, U, keep_suggested=True)
    assert not (await s.sessions.get(session.id)).assets[0].role_suggested  # kept: chosen
    assert started.price == 4 and (await s.generation.balance(G, U)).held == 4
    outcome = await asyncio.wait_for(outcomes.queue.get(), 60)
    assert outcome.state == "failed" and "@image1" in (outcome.error or "")
    balance = await s.generation.balance(G, U)
    assert (balance.available, balance.held) == (20, 0)
    assert (await s.sessions.get(session.id)).state == "open"


async def test_generation_succeeds_and_captures(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, outcomes = core
    session = await s.sessions.open_session(G, C, U, prompt="A rocket at dawn")
    await s.uploads.add_asset(session.id, U, url=f"{files}/media/images/rocket.jpg",
                      filename="rocket.jpg", declared_size=1)  # fmt: skip
    await s.generation.generate(session.id, U, keep_suggested=True)
    with pytest.raises(CallsheetError, match="still running"):
        await s.generation.generate(session.id, U)
    outcome = await asyncio.wait_for(outcomes.queue.get(), 120)
    assert outcome.state == "succeeded" and outcome.result_key is not None
    assert Path(outcome.result_key).stat().st_size > 10_000
    assert (await s.generation.balance(G, U)).available == 16


async def test_insufficient_credits_hold_nothing(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(
        G, C, U, prompt="long", duration_s=15, resolution="720p"
    )
    with pytest.raises(InsufficientCredits, match="costs 30 credits and you have 20"):
        await s.generation.generate(session.id, U)
    assert (await s.generation.balance(G, U)).available == 20


async def test_idle_sessions_expire_on_the_clock(core: tuple[Core, Clock, Outcomes]) -> None:
    s, clock, _ = core
    session = await s.sessions.open_session(G, C, U)
    clock.now += timedelta(minutes=29)
    assert await s.sessions.expire_idle() == []
    clock.now += timedelta(minutes=2)
    expired = await s.sessions.expire_idle()
    assert [e.id for e in expired] == [session.id] and expired[0].state == "expired"
    assert await s.sessions.find_open(G, C, U) is None


async def test_a_full_video_budget_offers_removing_a_video_then_the_fix(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    """7.6 s + 7.4 s use the 15 s: a WebM gets "Remove @video…", not a convert that the
    budget would refuse; the removal takes the WebM again and offers its convert."""
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U, duration_s=15)
    await s.uploads.add_asset(session.id, U, url=f"{files}/media/video/city_720p.mp4",
                              filename="city.mp4", declared_size=1)  # fmt: skip
    with pytest.raises(FixableUpload) as mov:
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/video/city_with_music.mov",
                                  filename="music.mov", declared_size=1)  # fmt: skip
    assert offered(mov.value)[0] == ("trim_first", "Trim to the first 7.4 s")
    await s.uploads.apply_fix(mov.value.pending_id, "trim_first", U)
    with pytest.raises(FixableUpload) as webm:
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/video/city_720p.webm",
                                  filename="city.webm", declared_size=1)  # fmt: skip
    video1, video2 = (await s.sessions.get(session.id)).assets
    assert offered(webm.value) == [
        (f"remove_{video1.id}", "Remove @video1 (7.6 s) to make room"),
        (f"remove_{video2.id}", "Remove @video2 (7.4 s) to make room"),
    ]
    assert "remove one to make room" in str(webm.value) and "0.0 s" not in str(webm.value)
    with pytest.raises(FixableUpload) as convert:
        await s.uploads.apply_fix(webm.value.pending_id, f"remove_{video1.id}", U)
    assert str(convert.value).startswith("@video1 was removed to make room. ")
    assert offered(convert.value) == [("fit", "Convert to MP4 (H.264)")]
    assert [a.tag for a in (await s.sessions.get(session.id)).assets] == ["@video1"]  # renumbered
    added = await s.uploads.apply_fix(convert.value.pending_id, "fit", U)
    assert (added.asset.tag, added.asset.format) == ("@video2", "mp4")
    assert (await s.sessions.get(session.id)).total_duration_s("video") == pytest.approx(
        15.0, abs=0.01
    )
    with pytest.raises(CallsheetError, match="already fixed"):  # the old buttons are spent
        await s.uploads.apply_fix(webm.value.pending_id, f"remove_{video2.id}", U)


async def test_removing_an_asset_can_take_the_upload_as_it_is(
    core: tuple[Core, Clock, Outcomes], files: str
) -> None:
    s, _, _ = core
    session = await s.sessions.open_session(G, C, U, duration_s=15)
    await s.uploads.add_asset(session.id, U, url=f"{files}/media/audio/loop_tabla.mp3",
                              filename="tabla.mp3", declared_size=1)  # fmt: skip
    with pytest.raises(FixableUpload) as flac:  # 10.7 s + 8.0 s: cut to the 4.3 s left
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/audio/loop_garzul.flac",
                                  filename="garzul.flac", declared_size=1)  # fmt: skip
    await s.uploads.apply_fix(flac.value.pending_id, "trim_first", U)
    audio1, audio2 = (await s.sessions.get(session.id)).assets
    with pytest.raises(FixableUpload) as offer:
        await s.uploads.add_asset(session.id, U, url=f"{files}/media/audio/loop_amen_full.wav",
                                  filename="amen.wav", declared_size=1)  # fmt: skip
    assert offered(offer.value) == [
        (f"remove_{audio1.id}", "Remove @audio1 (10.7 s) to make room"),
        (f"remove_{audio2.id}", "Remove @audio2 (4.3 s) to make room"),
    ]
    added = await s.uploads.apply_fix(offer.value.pending_id, f"remove_{audio1.id}", U)
    assert [EN(note) for note in added.notes] == ["@audio1 was removed to make room."]
    assert (added.asset.tag, added.asset.format, added.asset.filename) == (
        "@audio2", "wav", "amen.wav",
    )  # fmt: skip
