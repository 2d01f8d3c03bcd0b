"""Storyboards at the service level (issue 17) on the real core: ``build_services`` with the
preview provider (real renders, real codecs), a real SQLite file (PostgreSQL with
``CALLSHEET_TEST_DB=postgresql``), the real job runner; the Discord side is a listener
that records what it is asked to post.

A 4-shot storyboard with one soundtrack: 1→2 continue (shot 2's first frame is shot 1's
last frame, on decoded pixels), 3 a cut that runs beside 1–2, 4 fails (its reference is
unreadable), is refunded, retried alone, and the film joined again; the film lasts the
sum of the shots and sounds like the storyboard's track. Restarting the core mid-storyboard
resumes it from the database: every shot delivered and charged once.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image
from pydantic import SecretStr

from bot.errors import CallsheetError, SessionNotFound
from bot.generation.job import Job, JobState
from bot.media.probe import probe
from bot.seedance.compiler import request_from_json
from bot.services import Services, build_services
from bot.settings import Settings
from bot.storyboard.model import MAX_SHOTS, ShotState, Storyboard, StoryboardState
from storage.db import Database, utcnow
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.fakes.ark import FakeArk

GUILD, CHANNEL, ALICE, BOB = 1, 10, 100, 200
TIMEOUT = 60  # a safety net for a stuck render, never a synchronisation


@dataclass
class Posts:
    """The Discord side: records every delivery and what the other shots were doing
    when each was asked for."""

    delivered: list[Job] = field(default_factory=list)
    arrived: asyncio.Queue[Job] = field(default_factory=asyncio.Queue)
    settled: list[Job] = field(default_factory=list)
    ended: asyncio.Queue[Job] = field(default_factory=asyncio.Queue)
    seen: dict[int, dict[int, tuple[str, bool]]] = field(default_factory=dict)
    watch: Callable[[], object] | None = None
    db: Database | None = None

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        pass

    async def deliver(self, job: Job) -> int:
        if self.db is not None:
            found = await self.db.fetchall("SELECT id, state, waiting FROM jobs")
            self.seen[job.id] = {r["id"]: (r["state"], bool(r["waiting"])) for r in found}
        self.delivered.append(job)
        await self.arrived.put(job)
        return 5000 + job.id

    async def job_settled(self, job: Job) -> None:
        self.settled.append(job)
        await self.ended.put(job)

    async def until(self, check: Callable[[Job], bool], *, recorded: bool = False) -> Job:
        """The next delivered job ``check`` accepts (earlier ones included); ``recorded``:
        once its post is recorded (settled)."""
        seen, queue = (self.settled, self.ended) if recorded else (self.delivered, self.arrived)
        for job in seen:
            if check(job):
                return job

        async def wait() -> Job:
            while True:
                job = await queue.get()
                if check(job):
                    return job

        return await asyncio.wait_for(wait(), TIMEOUT)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if os.environ.get("CALLSHEET_TEST_DB") == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path}/callsheet.sqlite3"


def _settings(tmp_path: Path, database_url: str, **more: Any) -> Settings:
    return Settings(
        discord_token="t", data_dir=tmp_path / "data", database_url=SecretStr(database_url),
        default_resolution="480p", max_running_jobs_per_guild=2, _env_file=None, **more,
    )  # fmt: skip


@asynccontextmanager
async def running(
    tmp_path: Path, database_url: str, clock: Callable[[], datetime] = utcnow, **more: Any
) -> AsyncIterator[tuple[Services, Posts]]:
    """The core with its runner started and a recording Discord side (a restart: another
    call on the same folder and database); ``more`` settings (a provider)."""
    services = await build_services(_settings(tmp_path, database_url, **more), clock)
    posts = Posts(db=services.db)
    services.runner.add_listener(posts)
    services.runner.start()
    try:
        yield services, posts
    finally:
        await services.close()


async def _grant(services: Services, credits: int = 1000) -> None:
    ledger = LedgerRepository(services.db)
    await ledger.grant(GUILD, ALICE, credits, f"test-{credits}", "test", services.clock())


async def _four_shots(services: Services, media: Path, tmp_path: Path) -> tuple[Storyboard, Path]:
    """Alice's storyboard: a storyboard-wide image, four 4 s shots (1→2 continue, 3 a cut,
    4 a match with an image of its own), the 24 s soundtrack; returns it and shot 4's
    image (the test breaks and mends it)."""
    boards = services.storyboards
    board = await boards.open(GUILD, CHANNEL, ALICE)
    wide = await services.uploads.add_file(board.session_id, ALICE, media / "images/coffee.png",
                                           "coffee.png")  # fmt: skip
    own_copy = tmp_path / "rocket.jpg"
    own_copy.write_bytes((media / "images/rocket.jpg").read_bytes())
    own = await services.uploads.add_file(board.session_id, ALICE, own_copy, "rocket.jpg")
    for prompt, continuity in (
        (f"{wide.tag} on a table, morning light", "cut"),
        ("the camera pushes in on the cup", "continue"),
        ("a wide shot of the kitchen", "cut"),
        (f"{own.tag} lifts off behind the window", "match"),
    ):
        board = await boards.add_shot(board.id, ALICE, prompt, 4, continuity)  # type: ignore[arg-type]
    board = await boards.attach_reference(own.id, ALICE, board.shots[3].id)
    board = await boards.set_soundtrack(board.id, ALICE, media / "audio/loop_safari_24s.mp3",
                                        "safari.mp3")  # fmt: skip
    kept = next(a for a in board.shots[3].references if a.id == own.id).path
    return board, kept


def _last_frame_decoded(video: Path) -> np.ndarray:
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[-1]


def _envelope(path: Path, seconds: float) -> np.ndarray:
    """Mono loudness every 50 ms over the first ``seconds`` (PyAV, 16 kHz)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
    samples = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                samples.append(out.to_ndarray().reshape(-1))
    pcm = np.concatenate(samples).astype(np.float64)[: int(seconds * 16000)]
    blocks = pcm[: len(pcm) // 800 * 800].reshape(-1, 800)
    return np.sqrt((blocks**2).mean(axis=1))


async def test_a_four_shot_storyboard_continues_cuts_fails_retries_and_joins_the_film(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    async with running(tmp_path, database_url) as (services, posts):
        await _grant(services)
        boards = services.storyboards
        board, rocket = await _four_shots(services, media, tmp_path)
        quote = await boards.quote(board.id, ALICE)
        assert quote.problem is None and quote.total is not None
        assert [q.duration_s for q in quote.shots] == [4, 4, 4, 4] and quote.seconds == 16
        assert quote.total == sum(q.price or 0 for q in quote.shots)
        before = (await services.generation.balance(GUILD, ALICE)).available
        good = rocket.read_bytes()
        rocket.write_bytes(b"not a picture any more")  # shot 4's render will fail
        with pytest.raises(CallsheetError, match="price"):
            await boards.start(board.id, ALICE, quote.total + 1)
        board = await boards.start(board.id, ALICE, quote.total)
        assert board.state == StoryboardState.RUNNING
        states = [shot.state for shot in board.shots]
        assert states[1] == ShotState.WAITING  # continues shot 1: held back
        assert ShotState.WAITING not in (states[0], states[2], states[3])
        jobs = [shot.job_id for shot in board.shots]
        assert None not in jobs
        with pytest.raises(CallsheetError, match="has started"):
            await boards.add_shot(board.id, ALICE, "one more", 4)
        with pytest.raises(CallsheetError, match="has started"):
            await boards.set_continuity(board.shots[2].id, ALICE, "match")
        with pytest.raises(CallsheetError, match="has started"):
            await boards.start(board.id, ALICE, quote.total)
        first = await posts.until(lambda j: j.id == jobs[0])
        assert posts.seen[first.id][jobs[2]][1] is False  # shot 3 released beside shot 1
        assert posts.seen[first.id][jobs[2]][0] in ("submitted", "running", "succeeded")
        failed = await posts.until(lambda j: j.id == jobs[3])
        assert failed.state == JobState.FAILED
        second = await posts.until(lambda j: j.id == jobs[1])
        assert second.state == JobState.SUCCEEDED
        await boards.settled()
        board = await boards.get(board.id)
        assert board.state == StoryboardState.FAILED and board.film_job_id is None
        ledger = LedgerRepository(services.db)
        spent = sum(q.price or 0 for q in quote.shots[:3])
        assert await ledger.available(GUILD, ALICE) == before - spent  # shot 4 refunded

        # Shot 2 starts on shot 1's last frame, pixel for pixel.
        request = request_from_json(
            (await services.db.fetchone("SELECT request_json FROM jobs WHERE id = ?",
                                        (jobs[1],)))["request_json"]  # type: ignore[index]
        )  # fmt: skip
        carried = next(ra.asset for ra in request.images if ra.asset.role == "first_frame")
        assert first.result_key is not None
        with Image.open(carried.path) as picture:
            assert np.array_equal(np.asarray(picture.convert("RGB")),
                                  _last_frame_decoded(Path(first.result_key)))  # fmt: skip
        assert [ra.asset.role for ra in request.audios] == ["beat_sync"]  # its part

        with pytest.raises(CallsheetError):
            await boards.retry_shot(board.shots[0].id, ALICE)  # made: nothing to retry
        with pytest.raises(SessionNotFound):
            await boards.retry_shot(board.shots[3].id, BOB)
        rocket.write_bytes(good)
        board = await boards.retry_shot(board.shots[3].id, ALICE)
        retried = board.shots[3].job_id
        assert retried not in jobs
        film = await posts.until(lambda j: j.kind == "stitch")
        assert await ledger.available(GUILD, ALICE) == before - quote.total
        board = await boards.get(board.id)
        assert board.state == StoryboardState.DONE and board.film_job_id == film.id
        assert film.price == 0 and film.result_key is not None
        redone = [j.id for j in posts.delivered if j.kind != "stitch"]
        assert sorted(redone) == sorted([*jobs, retried])  # each shot posted once

        measured = probe(Path(film.result_key)).duration_s
        assert measured is not None and abs(measured - 16) <= 1 / 24 + 1e-6
        track = _envelope(media / "audio/loop_safari_24s.mp3", 16)
        heard = _envelope(Path(film.result_key), 16)
        n = min(len(track), len(heard))
        assert np.corrcoef(track[:n], heard[:n])[0, 1] > 0.9  # the storyboard's track

        again = await boards.restitch(board.id, ALICE)  # free
        assert again != film.id
        assert (await posts.until(lambda j: j.id == again)).price == 0
        assert await ledger.available(GUILD, ALICE) == before - quote.total


async def test_a_restart_mid_storyboard_resumes_from_the_database(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    async with running(tmp_path, database_url) as (services, posts):
        await _grant(services)
        board, _ = await _four_shots(services, media, tmp_path)
        quote = await services.storyboards.quote(board.id, ALICE)
        assert quote.total is not None
        before = (await services.generation.balance(GUILD, ALICE)).available
        board = await services.storyboards.start(board.id, ALICE, quote.total)
        jobs = [shot.job_id for shot in board.shots]
        await posts.until(lambda j: j.id == jobs[0])  # shot 1 made; shot 2 not yet run
        before_restart = [j.id for j in posts.delivered]
    async with running(tmp_path, database_url) as (services, posts):
        film = await posts.until(lambda j: j.kind == "stitch")
        delivered = before_restart + [j.id for j in posts.delivered if j.kind != "stitch"]
        assert sorted(delivered) == sorted(jobs)  # every shot posted, once
        await services.storyboards.settled()
        board = await services.storyboards.get(board.id)
        assert board.state == StoryboardState.DONE and board.film_job_id == film.id
        ledger = LedgerRepository(services.db)
        assert await ledger.available(GUILD, ALICE) == before - quote.total
        entries = await services.db.fetchall(
            "SELECT job_id, kind FROM ledger WHERE kind IN ('hold', 'capture', 'release')"
        )
        for job_id in jobs:
            kinds = sorted(e["kind"] for e in entries if e["job_id"] == job_id)
            assert kinds == ["capture", "hold"]  # held once, charged once
        films = await services.db.fetchall("SELECT id FROM jobs WHERE kind = 'stitch'")
        assert len(films) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_on_ark_a_continue_shot_starts_on_the_frame_ark_returned(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    port = _free_port()
    async with FakeArk(result_video=media / "video/city_720p.mp4") as ark:
        async with running(
            tmp_path, database_url, default_provider="ark", ark_api_key=SecretStr(ark.api_key),
            ark_base_url=ark.base_url, public_base_url=f"http://127.0.0.1:{port}",
            asset_server_host="127.0.0.1", asset_server_port=port,
        ) as (services, posts):  # fmt: skip
            await _grant(services, 10_000)
            boards = services.storyboards
            board = await boards.open(GUILD, CHANNEL, ALICE)
            for prompt, cut in (("a cup", "cut"), ("it steams", "continue"), ("a street", "cut")):
                board = await boards.add_shot(board.id, ALICE, prompt, 4, cut)  # type: ignore[arg-type]
            quote = await boards.quote(board.id, ALICE)
            assert quote.total is not None
            board = await boards.start(board.id, ALICE, quote.total)
            film = await posts.until(lambda j: j.kind == "stitch")
            creates = [r.body for r in ark.creates()]
            asks = {c["content"][0]["text"].split(".")[-1].strip(): c.get("return_last_frame")
                    for c in creates}  # fmt: skip
            assert asks == {"a cup": True, "it steams": False, "a street": False}
            shots = [await services.generation.job(s.job_id or 0) for s in board.shots]
            frames = [r for r in ark.requests if r.path.endswith(".png")]
            assert [r.path for r in frames] == [f"/results/{shots[0].provider_task_id}.png"]
            carried = next(ra.asset for ra in shots[1].request.images)
            assert carried.role == "first_frame"
            assert ark.result_video is not None
            with Image.open(carried.path) as picture:
                assert np.array_equal(np.asarray(picture.convert("RGB")),
                                      _last_frame_decoded(ark.result_video))  # fmt: skip
            lengths = [probe(Path(j.result_key or "")).duration_s or 0 for j in shots]
            measured = probe(Path(film.result_key or "")).duration_s
            assert measured is not None and abs(measured - sum(lengths)) <= 3 / 24


async def test_the_shot_list_keeps_its_limits_and_refuses_in_plain_words(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    async with running(tmp_path, database_url) as (services, _):
        boards = services.storyboards
        board = await boards.open(GUILD, CHANNEL, ALICE)
        with pytest.raises(CallsheetError, match="session"):
            await boards.open(GUILD, CHANNEL, ALICE)  # one open session per channel
        with pytest.raises(CallsheetError, match="Add a shot"):
            await boards.start(board.id, ALICE, 0)
        assert (await boards.quote(board.id, ALICE)).problem is not None
        for seconds in (3, 16):
            with pytest.raises(CallsheetError, match=f"you asked for {seconds}"):
                await boards.add_shot(board.id, ALICE, "a shot", seconds)
        with pytest.raises(CallsheetError, match="Say what happens"):
            await boards.add_shot(board.id, ALICE, "  \n ", 5)
        longest = "é" * 4000
        board = await boards.add_shot(board.id, ALICE, longest, 5, "continue")
        assert board.shots[0].prompt == longest and board.shots[0].continuity == "cut"
        with pytest.raises(CallsheetError, match="at most 4,000"):
            await boards.add_shot(board.id, ALICE, longest + "x", 5)
        with pytest.raises(CallsheetError, match="@image3"):
            await boards.add_shot(board.id, ALICE, "@image3 again", 5)
        hostile = (
            "<@&1> @everyone **bold** `x` ||spoiler|| \u202e\x00 \U0001f600 '; DROP TABLE jobs;--"
        )
        board = await boards.add_shot(board.id, ALICE, hostile, 15, "match")
        assert board.shots[1].prompt == hostile.replace("\x00", "").strip()
        assert board.shots[1].duration_s == 15
        first, second = board.shots
        assert (await boards.quote(board.id, ALICE)).problem is None
        board = await boards.edit_shot(first.id, ALICE, prompt="a " * 1001)  # seed 001
        quote = await boards.quote(board.id, ALICE)
        assert quote.problem is not None and "Shot 1: " in services.words.english().text(
            quote.problem
        )
        assert quote.shots[1].price is not None and quote.shots[0].price is None
        assert quote.total is None
        with pytest.raises(CallsheetError, match="nothing before it"):
            await boards.set_continuity(first.id, ALICE, "continue")
        with pytest.raises(CallsheetError, match="isn't one of the options"):
            await boards.set_continuity(second.id, ALICE, "dissolve")  # type: ignore[arg-type]
        board = await boards.set_continuity(second.id, ALICE, "continue")
        board = await boards.move_shot(second.id, ALICE, -5)  # clamped; its cut goes
        assert [s.id for s in board.shots] == [second.id, first.id]
        assert [s.continuity for s in board.shots] == ["cut", "cut"]
        board = await boards.edit_shot(first.id, ALICE, prompt="short now", duration_s=4)
        assert board.shots[1].prompt == "short now" and board.shots[1].duration_s == 4
        for _ in range(MAX_SHOTS - 2):
            board = await boards.add_shot(board.id, ALICE, "more", 4)
        with pytest.raises(CallsheetError, match="at most 8 shots"):
            await boards.add_shot(board.id, ALICE, "one too many", 4)
        board = await boards.remove_shot(board.shots[0].id, ALICE)
        assert len(board.shots) == MAX_SHOTS - 1 and board.shots[0].position == 1
        with pytest.raises(SessionNotFound):
            await boards.edit_shot(first.id, BOB, prompt="mine now")
        with pytest.raises(SessionNotFound):
            await boards.remove_shot(10**9, ALICE)
        with pytest.raises(CallsheetError, match="not a sound file"):
            await boards.set_soundtrack(board.id, ALICE, media / "images/coffee.png", "x.png")
        coffee = media / "images/coffee.png"
        image = await services.uploads.add_file(board.session_id, ALICE, coffee, "coffee.png")
        board = await boards.set_continuity(board.shots[1].id, ALICE, "continue")
        await services.sessions.set_role(image.id, ALICE, "first_frame")
        with pytest.raises(CallsheetError, match="its own first frame"):
            await boards.attach_reference(image.id, ALICE, board.shots[1].id)
        board = await boards.attach_reference(image.id, ALICE, board.shots[2].id)
        assert [a.id for a in board.shots[2].references] == [image.id]
        assert image.id not in [a.id for a in board.references]
        with pytest.raises(CallsheetError, match="isn't one of the options"):
            await boards.set_film_audio(board.id, ALICE, "loud")  # type: ignore[arg-type]
        board = await boards.set_film_audio(board.id, ALICE, "shots")
        assert board.film_audio == "shots"
        with pytest.raises(CallsheetError, match="at most"):
            await boards.add_soundtrack(board.id, ALICE, url="http://127.0.0.1:9/x.mp3",
                                        filename="x.mp3", declared_size=2**40)  # fmt: skip
        with pytest.raises(CallsheetError, match="nothing to retry"):
            await boards.retry_shot(board.shots[0].id, ALICE)  # never started
        with pytest.raises(CallsheetError, match="Only 0 of 7"):
            await boards.restitch(board.id, ALICE)
        other = await boards.open(GUILD, CHANNEL + 1, BOB)
        theirs = await services.uploads.add_file(other.session_id, BOB, coffee, "coffee.png")
        with pytest.raises(SessionNotFound):
            await boards.attach_reference(theirs.id, ALICE, board.shots[0].id)
        with pytest.raises(SessionNotFound):
            await boards.attach_reference(image.id, ALICE, other.id * 1000)
        with pytest.raises(CallsheetError, match="not the 1 you saw"):
            await boards.start(board.id, ALICE, 1)
        assert (await boards.get(board.id)).started_at is None  # nothing held
        await services.generation.balance(GUILD, ALICE)  # the starting allowance applied
        await LedgerRepository(services.db).set_balance(
            GUILD, ALICE, 0, "empty", "", services.clock()
        )
        quote = await boards.quote(board.id, ALICE)
        assert quote.total is not None
        with pytest.raises(CallsheetError, match="you have 0"):
            await boards.start(board.id, ALICE, quote.total)
        assert (await services.generation.balance(GUILD, ALICE)).held == 0


_CHILD = """
import asyncio, sys
from pathlib import Path
from tests import test_storyboard as t
from tests.conftest import MEDIA

class Log:
    async def job_progress(self, job, queue_position): pass
    async def job_settled(self, job): pass
    async def deliver(self, job):
        print(job.id, flush=True)
        return 7000 + job.id

async def main():
    tmp, url = Path(sys.argv[1]), sys.argv[2]
    from bot.services import build_services
    services = await build_services(t._settings(tmp, url))
    services.runner.add_listener(Log())
    services.runner.start()
    await t._grant(services)
    board, _ = await t._four_shots(services, MEDIA, tmp)
    quote = await services.storyboards.quote(board.id, t.ALICE)
    await services.storyboards.start(board.id, t.ALICE, quote.total)
    await asyncio.Event().wait()  # until killed

asyncio.run(main())
"""


async def test_a_storyboard_killed_mid_way_is_delivered_and_charged_once_after_restart(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, str(tmp_path), database_url,
        cwd=Path(__file__).resolve().parents[1], stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    first = await asyncio.wait_for(child.stdout.readline(), TIMEOUT)  # shot 1's (or 3's) post
    assert first.strip().isdigit()
    child.kill()  # SIGKILL mid-storyboard: no close, no cleanup
    await child.wait()
    rest = await child.stdout.read()
    async with running(tmp_path, database_url) as (services, posts):
        film = await posts.until(lambda j: j.kind == "stitch")
        await services.storyboards.settled()
        board = await services.storyboards.of_session(film.session_id)
        assert board is not None and board.state == StoryboardState.DONE
        jobs = [shot.job_id for shot in board.shots]
        entries = await services.db.fetchall(
            "SELECT job_id, kind FROM ledger WHERE kind IN ('hold', 'capture', 'release')"
        )
        for job_id in jobs:
            kinds = sorted(e["kind"] for e in entries if e["job_id"] == job_id)
            assert kinds in (["capture", "hold"], ["hold", "release"])  # settled once
        sql = "SELECT id, delivery_state FROM jobs WHERE kind = 'shot' OR kind = 'stitch'"
        for row in await services.db.fetchall(sql):  # a post cut off by the kill: again
            if row["delivery_state"] != "delivered":
                await posts.until(lambda j, job_id=row["id"]: j.id == job_id, recorded=True)
        rows = await services.db.fetchall(sql)
        assert [r["id"] for r in rows if r["delivery_state"] != "delivered"] == []
        before = {int(line) for line in (first + rest).split()}
        after = {j.id for j in posts.delivered}
        assert set(jobs) <= before | after  # every shot posted (before the kill or after)
        assert len([r for r in rows if r["id"] not in jobs]) == 1  # one film


async def test_stopping_a_storyboard_refunds_the_shots_not_made(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    port = _free_port()
    async with FakeArk(result_video=media / "video/city_720p.mp4", run_s=None) as ark:
        async with running(
            tmp_path, database_url, default_provider="ark", ark_api_key=SecretStr(ark.api_key),
            ark_base_url=ark.base_url, public_base_url=f"http://127.0.0.1:{port}",
            asset_server_host="127.0.0.1", asset_server_port=port,
        ) as (services, posts):  # fmt: skip
            await _grant(services, 10_000)
            boards = services.storyboards
            board = await boards.open(GUILD, CHANNEL, ALICE)
            for prompt, cut in (("a cup", "cut"), ("it steams", "continue")):
                board = await boards.add_shot(board.id, ALICE, prompt, 4, cut)  # type: ignore[arg-type]
            before = (await services.generation.balance(GUILD, ALICE)).available
            quote = await boards.quote(board.id, ALICE)
            assert quote.total is not None
            board = await boards.start(board.id, ALICE, quote.total)
            assert board.shots[0].state in (ShotState.QUEUED, ShotState.RUNNING)
            assert board.shots[1].state == ShotState.WAITING  # held back for shot 1's frame
            with pytest.raises(SessionNotFound):
                await boards.stop(board.id, BOB)
            board = await boards.stop(board.id, ALICE)  # Ark has shot 1 queued: it stops
            assert [s.state for s in board.shots] == [ShotState.FAILED, ShotState.FAILED]
            assert (await services.generation.balance(GUILD, ALICE)).available == before
            assert [j.kind for j in posts.delivered] == []  # nothing made, nothing posted


@pytest.mark.parametrize("leaving", ["close", "expire", "stop"])
async def test_a_failed_shot_s_held_back_continues_are_refunded_once_when_the_member_leaves(
    tmp_path: Path, database_url: str, media: Path, leaving: str
) -> None:
    """1 → 2 continue → 3 continue; shot 1 fails and is never retried: shots 2 and 3 stay
    held back (their credits held) until the session is closed by its owner, expires
    after idling, or the storyboard is stopped; each is then refunded once, and a stop
    afterwards refunds nothing more."""
    offset = timedelta()

    def clock() -> datetime:
        return utcnow() + offset

    async with running(tmp_path, database_url, clock, session_idle_minutes=1) as (
        services,
        posts,
    ):
        await _grant(services)
        boards = services.storyboards
        board = await boards.open(GUILD, CHANNEL, ALICE)
        own_copy = tmp_path / "rocket.jpg"
        own_copy.write_bytes((media / "images/rocket.jpg").read_bytes())
        own = await services.uploads.add_file(board.session_id, ALICE, own_copy, "rocket.jpg")
        for prompt, cut in (
            (f"{own.tag} on the launch pad", "cut"),
            ("it lifts off", "continue"),
            ("it climbs into the clouds", "continue"),
        ):
            board = await boards.add_shot(board.id, ALICE, prompt, 4, cut)  # type: ignore[arg-type]
        board = await boards.attach_reference(own.id, ALICE, board.shots[0].id)
        kept = next(a for a in board.shots[0].references if a.id == own.id).path
        before = (await services.generation.balance(GUILD, ALICE)).available
        quote = await boards.quote(board.id, ALICE)
        assert quote.total is not None and quote.total > 0
        kept.write_bytes(b"not a picture any more")  # shot 1's render will fail
        board = await boards.start(board.id, ALICE, quote.total)
        jobs = [shot.job_id for shot in board.shots]
        failed = await posts.until(lambda j: j.id == jobs[0], recorded=True)
        assert failed.state == JobState.FAILED
        await boards.settled()
        board = await boards.get(board.id)
        assert [s.state for s in board.shots] == [ShotState.FAILED, ShotState.WAITING,
                                                  ShotState.WAITING]  # fmt: skip
        held = sum(q.price or 0 for q in quote.shots[1:])
        balance = services.generation.balance
        assert (await balance(GUILD, ALICE)).available == before - held  # still held

        if leaving == "close":
            await services.sessions.close(board.session_id, ALICE)
        elif leaving == "expire":
            offset = timedelta(minutes=2)  # past the 1-minute idle timeout
            expired = await services.sessions.expire_idle()
            assert [e.id for e in expired] == [board.session_id]
        else:
            await boards.stop(board.id, ALICE)
        await boards.settled()
        board = await boards.get(board.id)
        assert [s.state for s in board.shots] == [ShotState.FAILED] * 3
        assert (await balance(GUILD, ALICE)).available == before  # whole again
        if leaving != "stop":
            await boards.stop(board.id, ALICE)  # afterwards: nothing more to refund
            await boards.settled()
            assert (await balance(GUILD, ALICE)).available == before
        entries = await services.db.fetchall(
            "SELECT job_id, kind FROM ledger WHERE kind IN ('hold', 'capture', 'release')"
        )
        for job_id in jobs:
            kinds = sorted(e["kind"] for e in entries if e["job_id"] == job_id)
            assert kinds == ["hold", "release"]  # held once, released once
        assert [j.kind for j in posts.delivered if j.state == JobState.SUCCEEDED] == []


async def test_a_session_ended_before_a_kill_lets_go_of_its_held_back_shots_at_restart(
    tmp_path: Path, database_url: str, media: Path
) -> None:
    """The session is closed in the database but the process dies before letting go (its
    end listeners never ran): the next start's resume refunds the held-back shots once and
    releases nothing."""
    async with running(tmp_path, database_url) as (services, posts):
        await _grant(services)
        boards = services.storyboards
        board = await boards.open(GUILD, CHANNEL, ALICE)
        own_copy = tmp_path / "rocket.jpg"
        own_copy.write_bytes((media / "images/rocket.jpg").read_bytes())
        own = await services.uploads.add_file(board.session_id, ALICE, own_copy, "rocket.jpg")
        for prompt, cut in ((f"{own.tag} on the pad", "cut"), ("it lifts off", "continue")):
            board = await boards.add_shot(board.id, ALICE, prompt, 4, cut)  # type: ignore[arg-type]
        board = await boards.attach_reference(own.id, ALICE, board.shots[0].id)
        next(a for a in board.shots[0].references if a.id == own.id).path.write_bytes(b"broken")
        before = (await services.generation.balance(GUILD, ALICE)).available
        quote = await boards.quote(board.id, ALICE)
        assert quote.total is not None
        board = await boards.start(board.id, ALICE, quote.total)
        jobs = [shot.job_id for shot in board.shots]
        await posts.until(lambda j: j.id == jobs[0], recorded=True)  # shot 1 failed
        await boards.settled()
        closed = services.clock()
        await SessionRepository(services.db).update(board.session_id, closed, state="closed")
    async with running(tmp_path, database_url) as (services, posts):
        await services.storyboards.settled()
        board = await services.storyboards.get(board.id)
        assert [s.state for s in board.shots] == [ShotState.FAILED, ShotState.FAILED]
        assert (await services.generation.balance(GUILD, ALICE)).available == before
        entries = await services.db.fetchall("SELECT job_id, kind FROM ledger WHERE job_id = ?",
                                             (jobs[1],))  # fmt: skip
        assert sorted(e["kind"] for e in entries) == ["hold", "release"]
