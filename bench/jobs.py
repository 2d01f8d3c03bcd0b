"""Job runner benchmark: CPU share and memory while 1,000 jobs are pending at the fake Ark.

The fake provider runs in a child process (its CPU is not counted); this process runs the
real job runner, SQLite ledger and Ark client. Jobs never finish (the fake keeps them
running), so the runner keeps polling. Two shapes:
- ``bounded``: 50 run at once (polling every 5 s), 950 wait in the fair queue;
- ``all_running``: all 1,000 are polled.
Prints one JSON object: CPU seconds per wall second over a 10 s window, peak RSS in MiB.

Run from the project root: ``.venv/bin/python -m bench.jobs``
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.hosting.signed import SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Session, SessionState
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository

JOBS = 1000
WINDOW_S = 10.0
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _serve(queue: multiprocessing.Queue[str]) -> None:
    from tests.fakes.ark import FakeArk

    async def run() -> None:
        async with FakeArk(polls_before_done=10**9) as fake:
            queue.put(f"{fake.base_url}|{fake.api_key}")
            await asyncio.Event().wait()

    asyncio.run(run())


class Silent:
    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        return 0

    async def find_delivery(self, job: Job) -> int | None:
        return None

    async def job_settled(self, job: Job) -> None:
        return None


async def _measure(base_url: str, key: str, max_running: int, tmp: Path) -> dict[str, float]:
    db = await Database.open(tmp / f"bench-{max_running}.sqlite3")
    ledger = LedgerRepository(db)
    sessions = SessionRepository(db)
    for user in range(1, 21):  # 20 members share the queue
        await ledger.grant(1, user, 10**9, f"bench-{user}", "", NOW)
    session = Session(
        id=0, guild_id=1, channel_id=1, user_id=1, state=SessionState.OPEN,
        prompt="a kite in the wind",
        duration_s=5, ratio="16:9", resolution="480p", generate_audio=True,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    request_json = request_to_json(compile_request(session, "natural", DEFAULT_LIMITS))
    for i in range(JOBS):
        session_id = await sessions.create(
            guild_id=1, channel_id=i, user_id=1 + i % 20, prompt="", duration_s=5,
            ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
        )  # fmt: skip
        await ledger.create_job_with_hold(
            session_id=session_id, guild_id=1, channel_id=i, user_id=1 + i % 20,
            provider="ark", request_json=request_json, price=1, now=NOW,
        )  # fmt: skip
    async with aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp)
        provider = ArkProvider(SecretStr(key), session=http, asset_host=host, base_url=base_url)
        runner = JobRunner(
            ledger, {"ark": provider}, tmp / "results", lambda: NOW,
            max_running=max_running, max_running_per_guild=max_running,
        )  # fmt: skip
        runner.add_listener(Silent())
        runner.start()
        await asyncio.sleep(6.0)  # warm-up: every running job has submitted and polled once
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(WINDOW_S)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        active = await ledger.active_jobs()
        submitted = len([job for job in active if job.provider_task_id])
        assert len(active) == JOBS, "every job must still be pending"
        await runner.close()
    await db.close()
    return {
        "cpu_share": round(cpu / wall, 4),
        "jobs_at_provider": submitted,
        "jobs_waiting": JOBS - submitted,
    }


def main() -> None:
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    base_url, key = queue.get(timeout=60).split("|")
    with tempfile.TemporaryDirectory() as tmp:
        bounded = asyncio.run(_measure(base_url, key, 50, Path(tmp)))
        everything = asyncio.run(_measure(base_url, key, JOBS, Path(tmp)))
    server.terminate()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "jobs": JOBS,
                "window_s": WINDOW_S,
                "bounded": bounded,
                "all_running": everything,
                "peak_rss_mib": round(peak_mib, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
