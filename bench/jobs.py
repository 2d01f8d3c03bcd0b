"""Job runner benchmark: the CPU cost of 1,000 pending jobs, polled or called back.

The fake Ark runs in a child process (its CPU is not counted); this process runs the real
job runner, SQLite ledger, Ark client and (where callbacks are on) the callback receiver
on the bot's web server. Tasks never finish on their own. Shapes:

- ``bounded``: 50 run at once, polled (no public URL), 950 wait in the fair queue;
- ``all_polling``: all 1,000 at the provider, polled (no public URL): young jobs are
  polled every 5 s (bot/generation/polling.py);
- ``all_fallback``: all 1,000 at the provider with a callback URL registered and no
  callback arriving, so only the fallback polls run (the first 108–132 s after submit);
  the window is 135 s from the last submit, so it holds every job's first fallback poll;
- ``callback_burst``: then the fake finishes all 1,000 tasks at once and POSTs Ark's
  callbacks (``running``, then ``succeeded``) concurrently; measured until every job is
  delivered: CPU seconds and wall time in this process, and per job the latency from the
  ``succeeded`` POST being sent to the delivery (p50/p99; one monotonic clock, Linux).

Prints one JSON object. Run from the project root: ``.venv/bin/python -m bench.jobs``
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import resource
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from bot.generation.callbacks import CallbackReceiver, CallbackUrls
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.hosting.signed import AssetServer, SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Session, SessionState
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository

JOBS = 1000
WINDOW_S = 10.0
FALLBACK_WINDOW_S = 135.0
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _serve(queue: multiprocessing.Queue[str]) -> None:
    """The fake Ark, plus ``POST /finish-all`` on a control port: finish every task now,
    callbacks concurrently; answers ``{task_id: monotonic time its "succeeded" POST was
    sent}``."""
    from tests.fakes.ark import FakeArk

    async def run() -> None:
        async with FakeArk(polls_before_done=10**9, run_s=None) as fake:

            async def finish_all(request: web.Request) -> web.Response:
                pending = [t.id for t in fake.tasks.values() if t.callback_url and not t.finished]
                await asyncio.gather(*(fake.finish(task_id) for task_id in pending))
                sent = {
                    c.task_id: c.sent_at
                    for c in fake.callbacks
                    if c.task_id in pending and c.body["status"] == "succeeded"
                }
                return web.json_response(sent)

            control = web.Application()
            control.router.add_post("/finish-all", finish_all)
            runner = web.AppRunner(control)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            queue.put(f"{fake.base_url}|{fake.api_key}|http://127.0.0.1:{port}")
            await asyncio.Event().wait()

    asyncio.run(run())


class Recorder:
    """A listener that notes when each job is delivered."""

    def __init__(self) -> None:
        self.delivered: dict[str, float] = {}  # provider task id → monotonic time
        self.all_done = asyncio.Event()

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        self.delivered[job.provider_task_id or ""] = time.monotonic()
        if len(self.delivered) >= JOBS:
            self.all_done.set()
        return 0

    async def job_settled(self, job: Job) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _queue_jobs(db: Database) -> LedgerRepository:
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
    return ledger


async def _window(runner: JobRunner, seconds: float) -> dict[str, float]:
    polls0 = runner.polls
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu_share": round(cpu / wall, 4),
        "window_s": round(wall, 1),
        "polls_per_s": round((runner.polls - polls0) / wall, 1),
    }


async def _all_submitted(ledger: LedgerRepository, count: int) -> None:
    for _ in range(600):
        if len([j for j in await ledger.active_jobs() if j.provider_task_id]) >= count:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError("the jobs were not all submitted within 5 minutes")


async def _measure(fake: tuple[str, str, str], max_running: int, tmp: Path, *,
                   callbacks: bool) -> dict[str, Any]:  # fmt: skip
    base_url, key, control = fake
    db = await Database.open(tmp / f"bench-{max_running}-{callbacks}.sqlite3")
    ledger = await _queue_jobs(db)
    port = _free_port()
    urls = CallbackUrls(f"http://127.0.0.1:{port}", b"bench callback key")
    async with aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp)
        provider = ArkProvider(SecretStr(key), session=http, asset_host=host, base_url=base_url)
        runner = JobRunner(
            ledger, {"ark": provider}, tmp / "results", lambda: NOW,
            max_running=max_running, max_running_per_guild=max_running,
            callbacks=urls if callbacks else None,
        )  # fmt: skip
        server = AssetServer(None, "127.0.0.1", port)
        receiver = CallbackReceiver(urls, {"ark": provider.callbacks} if provider.callbacks
                                    else {}, runner)  # fmt: skip
        server.add_routes(receiver.routes())
        await server.start()
        recorder = Recorder()
        runner.add_listener(recorder)
        runner.start()
        try:
            await _all_submitted(ledger, min(max_running, JOBS))
            result: dict[str, Any] = {}
            if not callbacks:
                await asyncio.sleep(1.0)  # every running job has polled once
                result = await _window(runner, WINDOW_S)
            else:
                result["fallback"] = await _window(runner, FALLBACK_WINDOW_S)
            active = await ledger.active_jobs()
            result["jobs_at_provider"] = len([j for j in active if j.provider_task_id])
            result["jobs_waiting"] = len([j for j in active if not j.provider_task_id])
            if callbacks:
                result["burst"] = await _burst(http, control, runner, recorder, receiver)
        finally:
            await runner.close()
            await server.close()
    await db.close()
    return result


async def _burst(
    http: aiohttp.ClientSession,
    control: str,
    runner: JobRunner,
    recorder: Recorder,
    receiver: CallbackReceiver,
) -> dict[str, Any]:
    polls0, stats0 = runner.polls, dict(vars(receiver.stats))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    async with http.post(f"{control}/finish-all", timeout=aiohttp.ClientTimeout(600)) as answer:
        sent: dict[str, float] = await answer.json()
    await asyncio.wait_for(recorder.all_done.wait(), 600)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    latencies = sorted(recorder.delivered[t] - at for t, at in sent.items())
    return {
        "callbacks": len(sent),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "cpu_ms_per_job": round(1000 * cpu / len(sent), 2),
        "latency_p50_s": round(latencies[len(latencies) // 2], 3),
        "latency_p99_s": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "polls": runner.polls - polls0,
        "receiver": {k: v - stats0[k] for k, v in vars(receiver.stats).items()},
    }


def main() -> None:
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    base_url, key, control = queue.get(timeout=60).split("|")
    fake = (base_url, key, control)
    with tempfile.TemporaryDirectory() as tmp:
        bounded = asyncio.run(_measure(fake, 50, Path(tmp), callbacks=False))
        polling = asyncio.run(_measure(fake, JOBS, Path(tmp), callbacks=False))
        called_back = asyncio.run(_measure(fake, JOBS, Path(tmp), callbacks=True))
    server.terminate()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "jobs": JOBS,
                "bounded": bounded,
                "all_polling": polling,
                "all_fallback": called_back["fallback"]
                | {"jobs_at_provider": called_back["jobs_at_provider"]},
                "callback_burst": called_back["burst"],
                "peak_rss_mib": round(peak_mib, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
