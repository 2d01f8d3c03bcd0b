"""Retention (``RETENTION_DAYS``, :mod:`bot.generation.retention`) on real files, a real
SQLite database and the real services: what the period has passed for goes, what a result
delivered within it needs for its buttons stays, and the buttons of a swept result say
so."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.errors import CallsheetError
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.services import Services, build_services
from bot.settings import Settings
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from storage.storyboards import StoryboardRepository
from tests.conftest import NOW, make_asset, make_session
from tests.s3 import ACCESS_KEY, REGION, SECRET

ALICE = 7
OLD = NOW - timedelta(days=60)  # past the 30-day period
RECENT = NOW - timedelta(days=2)  # within it


@dataclass
class Data:
    services: Services
    root: Path
    media: Path
    channels: int = 0  # one channel per session, so each may be open at once

    def put(self, relative: str, source: str = "images/coffee.png") -> Path:
        """A copy of a real media file at ``data/<relative>``."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.media / source, path)
        return path

    async def keep(self, relative: str, source: str = "images/coffee.png") -> Path:
        """:meth:`put`, then kept in the media store (the bucket, with ``ASSET_HOST=s3``)."""
        path = self.put(relative, source)
        await self.services.media.put(path)
        return path

    async def session(self, state: str, at: datetime) -> int:
        repo = SessionRepository(self.services.db)
        self.channels += 1
        session_id = await repo.create(
            guild_id=1, channel_id=self.channels, user_id=ALICE, prompt="", duration_s=5,
            ratio="16:9", resolution="480p", generate_audio=True, now=at,
        )  # fmt: skip
        if state != "open":
            await repo.update(session_id, at, state=state)
        return session_id

    async def storyboard(self, state: str, at: datetime) -> tuple[int, int]:
        """A storyboard's session (as :meth:`session`) and the storyboard beside it."""
        session_id = await self.session(state, at)
        storyboard_id = await StoryboardRepository(self.services.db).create(
            session_id, 1, self.channels, ALICE, at
        )
        return session_id, storyboard_id

    async def storyboard_files(self, storyboard_id: int) -> list[Path]:
        """A storyboard's files as it keeps them (kept in the media store): its soundtrack,
        a part cut from it, a carried frame and a film."""
        folder = f"storyboards/{storyboard_id}"
        return [
            await self.keep(f"{folder}/soundtrack.mp3", "audio/loop_safari_24s.mp3"),
            await self.keep(f"{folder}/parts-4-4/soundtrack-01.mp3", "audio/loop_safari_24s.mp3"),
            await self.keep(f"{folder}/shot-2-first.png"),
            await self.keep(f"{folder}/film-1-2.mp4", "video/city_720p.mp4"),
        ]

    async def job(
        self, session_id: int, images: list[Path], videos: list[Path], finished: datetime,
        parent: int | None = None,
    ) -> int:  # fmt: skip
        """A delivered job made from ``images`` and ``videos``, finished at ``finished``,
        whose result is ``results/job-<id>.mp4`` (and its fitted copy)."""
        ledger = LedgerRepository(self.services.db)
        await ledger.grant(1, ALICE, 1000, "start", "", OLD - timedelta(days=1))
        assets = [make_asset("image", i + 1, "character", path=p) for i, p in
                  enumerate(images)] + [make_asset("video", i + 1, "clip_to_extend", path=p)
                                        for i, p in enumerate(videos)]  # fmt: skip
        media = self.services.media
        assets = [replace(a, key=media.key(a.path)) for a in assets]  # keys of this store
        request = compile_request(make_session(*assets, prompt="a kite"), "tags", DEFAULT_LIMITS)
        outcome = await ledger.create_job_with_hold(
            session_id=session_id, guild_id=1, channel_id=1, user_id=ALICE, provider="preview",
            request_json=request_to_json(request), price=1, now=finished - timedelta(minutes=5),
            kind="extend" if parent else "generate", parent_job_id=parent,
        )  # fmt: skip
        job_id = outcome.job_id
        assert job_id is not None
        result = await self.keep(f"results/job-{job_id}.mp4", "video/city_720p.mp4")
        self.put(f"results/job-{job_id}-fitted.mp4", "video/city_720p.mp4")
        key = self.services.media.key(result)
        await ledger.finish_job(job_id, "succeeded", finished, result_path=key)
        return job_id


@pytest.fixture
async def data(tmp_path: Path, media: Path) -> AsyncIterator[Data]:
    settings = Settings(discord_token="t", data_dir=tmp_path / "data", _env_file=None)
    assert settings.retention_days == 30  # the default
    async with await build_services(settings, clock=lambda: NOW) as services:
        yield Data(services, tmp_path / "data", media)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


async def test_the_sweep_removes_what_the_period_passed_and_keeps_what_buttons_need(
    data: Data,
) -> None:
    root = data.root
    # Session A, closed long ago; job 1 made from its picture, delivered long ago.
    a = await data.session("open", OLD)
    picture = data.put(f"sessions/{a}/0123456789abcdef.png")
    data.put(f"sessions/{a}/pending/0123456789abcdef.mov", "video/city_with_music.mov")
    data.put(f"sessions/{a}/fixed-3.mp4", "video/city_720p.mp4")
    first = await data.job(a, [picture], [], OLD)
    await SessionRepository(data.services.db).update(a, OLD, state="closed")
    frame = data.put(f"jobs/{first}/last-frame.png")
    data.put(f"jobs/{first}/stitch-1-2.mp4", "video/city_720p.mp4")
    # Session B, closed recently; job 2 extends job 1 (its result and last frame).
    b = await data.session("open", RECENT)
    second = await data.job(b, [frame], [root / f"results/job-{first}.mp4"], RECENT, first)
    await SessionRepository(data.services.db).update(b, RECENT, state="closed")
    # Session C, expired long ago, never generated; session D, still open though idle.
    c = await data.session("expired", OLD)
    data.put(f"sessions/{c}/fedcba9876543210.png")
    d = await data.session("open", OLD)
    data.put(f"sessions/{d}/0000000000000000.png")
    # Session E, closed long ago, with job 3 delivered long ago and built on by nothing.
    e = await data.session("open", OLD)
    lone = data.put(f"sessions/{e}/1111111111111111.png")
    third = await data.job(e, [lone], [], OLD)
    await SessionRepository(data.services.db).update(e, OLD, state="closed")

    swept = await data.services.retention.sweep()

    assert _files(root / "sessions") == {
        f"{a}/0123456789abcdef.png",  # job 1's request: job 2 was built on job 1
        f"{d}/0000000000000000.png",  # open sessions are never swept
    }
    assert _files(root / "jobs") == {f"{first}/last-frame.png"}  # in job 2's request
    assert _files(root / "results") == {
        f"job-{first}.mp4",  # job 2's reference and the first clip of its stitch
        f"job-{second}.mp4",
        f"job-{second}-fitted.mp4",
    }
    assert not (root / "sessions" / str(c)).exists()  # emptied folders go too
    assert not (root / "sessions" / str(e)).exists()
    assert swept.files == 8 and swept.bytes > 0
    assert (root / "callsheet.sqlite3").exists()
    assert (await data.services.retention.sweep()).files == 0  # nothing left to remove

    results = data.services.results
    with pytest.raises(CallsheetError, match=f"job #{third} was made from are no longer"):
        await results.regenerate(third, ALICE)
    with pytest.raises(CallsheetError, match=f"video of job #{third} is no longer kept"):
        await results.extend_request(third, ALICE, 5, "")
    chain = await results.chain(second)
    assert chain == [first, second]
    stitched = await results.stitch(chain, ALICE)  # the kept chain still stitches
    made = (await data.services.generation.job(stitched)).result_key
    assert made is not None and Path(made).exists()


async def test_zero_days_keeps_everything(data: Data) -> None:
    old = await data.session("closed", OLD)
    data.put(f"sessions/{old}/0123456789abcdef.png")
    data.services.retention.days = 0
    assert (await data.services.retention.sweep()).files == 0
    assert _files(data.root / "sessions") == {f"{old}/0123456789abcdef.png"}


async def test_with_media_in_a_bucket_one_sweep_removes_its_keys_the_others_their_caches(
    tmp_path: Path, media: Path, s3_endpoint: str, bucket: str, admin: Any
) -> None:
    settings = Settings(
        discord_token="t", data_dir=tmp_path / "data", asset_host="s3", s3_bucket=bucket,
        s3_endpoint_url=s3_endpoint, s3_region=REGION, s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET, _env_file=None,
    )  # fmt: skip
    async with await build_services(settings, clock=lambda: NOW) as services:
        data = Data(services, tmp_path / "data", media)
        old = await data.session("open", OLD)
        gone = await data.job(old, [await data.keep(f"sessions/{old}/aaaa.png")], [], OLD)
        await SessionRepository(services.db).update(old, OLD, state="closed")
        recent = await data.session("open", RECENT)
        kept = await data.job(recent, [await data.keep(f"sessions/{recent}/bbbb.png")], [], RECENT)
        await SessionRepository(services.db).update(recent, RECENT, state="closed")
        _, board = await data.storyboard("closed", OLD)  # a storyboard's files: keys too
        await data.keep(f"storyboards/{board}/soundtrack.mp3", "audio/loop_safari_24s.mp3")
        await data.keep(f"storyboards/{board}/film-1-2.mp4", "video/city_720p.mp4")

        async def stored() -> set[str]:
            listing = await admin.list_objects_v2(Bucket=bucket, Prefix="callsheet/media/")
            return {o["Key"].removeprefix("callsheet/media/") for o in listing["Contents"]}

        everything = {f"sessions/{old}/aaaa.png", f"results/job-{gone}.mp4",
                      f"sessions/{recent}/bbbb.png", f"results/job-{kept}.mp4",
                      f"storyboards/{board}/soundtrack.mp3",
                      f"storyboards/{board}/film-1-2.mp4"}  # fmt: skip
        assert await stored() == everything
        await services.retention.sweep(stored=False)  # a worker: its cache only
        assert not (data.root / f"sessions/{old}").exists()
        assert not (data.root / f"storyboards/{board}").exists()
        assert not (data.root / f"results/job-{gone}.mp4").exists()
        assert (data.root / f"results/job-{kept}.mp4").exists()
        assert await stored() == everything
        await services.retention.sweep()  # the one process that sweeps for all
        assert await stored() == {f"sessions/{recent}/bbbb.png", f"results/job-{kept}.mp4"}


async def test_a_storyboard_s_files_go_with_its_session_s(data: Data) -> None:
    """``storyboards/<id>/`` (soundtrack, parts, carried frames, films) is swept when its
    session's files are: once the session ended and its last shot or film is past the
    period; what a job within the period was made from stays."""
    root = data.root
    # X: ended long ago, its shot (made from its carried frame) delivered long ago.
    x_session, x = await data.storyboard("open", OLD)
    x_files = await data.storyboard_files(x)
    await data.job(x_session, [x_files[2]], [], OLD)
    await SessionRepository(data.services.db).update(x_session, OLD, state="closed")
    # Y: expired long ago, but a recent job elsewhere was made from its film.
    _, y = await data.storyboard("expired", OLD)
    y_files = await data.storyboard_files(y)
    other = await data.session("open", RECENT)
    await data.job(other, [], [y_files[3]], RECENT)
    # Z: closed recently; W: still open though idle.
    _, z = await data.storyboard("closed", RECENT)
    await data.storyboard_files(z)
    _, w = await data.storyboard("open", OLD)
    await data.storyboard_files(w)

    await data.services.retention.sweep()

    assert not (root / "storyboards" / str(x)).exists()  # all of it, folders included
    kept = {f"{y}/film-1-2.mp4"}  # a recent job's reference
    for board in (z, w):
        kept |= {f"{board}/soundtrack.mp3", f"{board}/parts-4-4/soundtrack-01.mp3",
                 f"{board}/shot-2-first.png", f"{board}/film-1-2.mp4"}  # fmt: skip
    assert _files(root / "storyboards") == kept
