"""Scale benchmark: 1,000 concurrent sessions' worth of jobs run by 4 worker processes on
one PostgreSQL, against a loopback Ark fake (docs/ARCHITECTURE.md "Several workers").

A real PostgreSQL (pgserver, as the tests start it) holds 1,000 open sessions of 1,000
members in 50 guilds, each with credits. The fake Ark runs in a child process of its own
and finishes a task on its first status read. Four worker processes each run the real job
runner (claims with leases, NOTIFY wake-ups, heartbeats, the ledger, the Ark client, the
result download); their listener records a delivery instead of posting to Discord. Once
every worker listens, this process confirms all 1,000 Generates at once (1,000 holds, each
queueing a job and notifying the workers) and waits until every outcome is delivered.

Prints one JSON object:

- ``throughput_jobs_per_s``: jobs delivered per second, from the first hold to the last
  delivery (``wall_s``);
- ``claim_ms``: the latency of each scheduling pass's claim transaction in the workers
  (p50/p99, and how many passes);
- ``cpu_s_per_job``: the workers' CPU seconds (user + system) per job, and PostgreSQL's
  (the server's processes) per job;
- ``exactly_once``: tasks created at the fake, posts, captures and holds (each must equal
  the number of jobs), and jobs delivered by each worker.

A provider's real jobs take minutes; here a job is as short as its polls allow (the first
poll waits ``POLL_S``), so the numbers are the job system's own cost, not a provider's. The
limits (``MAX_RUNNING``, ``MAX_RUNNING_PER_GUILD``) hold across the four workers. On a
shared machine, read the numbers with its load (``cat /proc/loadavg``).

With ``--callbacks`` the tasks end on their own at once and Ark calls back at a gateway
(this process: a web server with the callback receiver and a runner that runs no jobs),
which relays each final callback to the worker driving the job (a PostgreSQL NOTIFY,
bot/generation/callbacks.py); the workers poll only when called back. The JSON then adds
the gateway's CPU per job and the receiver's counts.

Run from the project root: ``.venv/bin/python -m bench.scale [--callbacks]``
(``--jobs``, ``--workers``, ``--max-running`` change the shape).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import multiprocessing
import resource
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from pydantic import SecretStr

from bot.generation.callbacks import CallbackReceiver, CallbackUrls
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.generation.polling import PollSchedule
from bot.hosting.signed import AssetServer, SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from storage.db import Connection, Database, execute, insert
from storage.ledger import HoldOutcome, LedgerRepository
from tests.conftest import make_session

JOBS, WORKERS, GUILDS = 1000, 4, 50
MAX_RUNNING, MAX_RUNNING_PER_GUILD = 200, 20
POLL_S = 1.0  # the first status read after a create (the real providers': 5 s)
NO_FALLBACK = PollSchedule(callback_first_s=3600, callback_max_s=3600, jitter=0.0)
CALLBACK_KEY = b"bench callback key"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


# -- the fake Ark, in a process of its own ---------------------------------------------------


def _serve_ark(found: multiprocessing.Queue[str], stop: Event, callbacks: bool) -> None:
    """Run the fake Ark until ``stop``: its tasks end at their first poll, or, with
    ``callbacks``, on their own at once, calling back (a poll before says "running"). Put
    its base URL and key on ``found``, then, after ``stop``, the number of tasks created."""
    from tests.fakes.ark import FakeArk

    async def run() -> None:
        ark = FakeArk(polls_before_done=10**9, run_s=0) if callbacks else FakeArk()
        async with ark as fake:
            found.put(f"{fake.base_url}|{fake.api_key}")
            await asyncio.to_thread(stop.wait)
            found.put(str(len(fake.creates())))

    asyncio.run(run())


# -- a worker process ----------------------------------------------------------------------


class Deliveries:
    """The Discord side of a worker: counts each post instead of making it."""

    def __init__(self) -> None:
        self.jobs: list[int] = []

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        self.jobs.append(job.id)
        return job.id  # the "message id"

    async def job_settled(self, job: Job) -> None:
        return None


def _worker(
    name: str,
    url: str,
    ark: str,
    limits: tuple[int, int],
    gateway: str | None,
    ready: Any,
    stop: Event,
    out: Any,
) -> None:
    """One worker process: a JobRunner claiming under ``name`` until ``stop``; puts its
    claim latencies, deliveries and CPU seconds on ``out``. With ``gateway`` (its public
    URL), tasks are created with callback URLs there and wait for them (no fallback poll
    within the bench)."""
    from storage.claims import Claimed

    base_url, key = ark.split("|")

    async def run() -> dict[str, Any]:
        db = await Database.open_url(url)
        claims_ms: list[float] = []
        first_pass = asyncio.Event()
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{name}-") as tmp:
            async with aiohttp.ClientSession() as http:
                host = SignedUrlHost("http://127.0.0.1:9", b"k", Path(tmp))
                provider = ArkProvider(
                    SecretStr(key), session=http, asset_host=host, base_url=base_url
                )
                provider.profile = dataclasses.replace(provider.profile, poll_interval_s=POLL_S)
                runner = JobRunner(
                    LedgerRepository(db), {"ark": provider}, Path(tmp), lambda: datetime.now(UTC),
                    max_running=limits[0], max_running_per_guild=limits[1], worker_id=name,
                    schedule=NO_FALLBACK if gateway else PollSchedule(jitter=0.0),
                    callbacks=CallbackUrls(gateway, CALLBACK_KEY) if gateway else None,
                )  # fmt: skip
                claim = runner.claims.claim

                async def timed(*args: Any, **kwargs: Any) -> Claimed:
                    start = time.perf_counter()
                    try:
                        return await claim(*args, **kwargs)
                    finally:
                        claims_ms.append((time.perf_counter() - start) * 1000)
                        first_pass.set()

                runner.claims.claim = timed  # type: ignore[method-assign]
                deliveries = Deliveries()
                runner.add_listener(deliveries)
                runner.start()
                await first_pass.wait()  # the first pass ran: it listens for NOTIFY now
                cpu0 = _cpu_s()  # from here on: the jobs' work, not start-up
                ready.put(name)
                await asyncio.to_thread(stop.wait)
                await runner.close()
                cpu = _cpu_s() - cpu0
        await db.close()
        return {
            "name": name,
            "claims_ms": claims_ms[1:],  # the first pass (before the jobs) aside
            "delivered": deliveries.jobs,
            "polls": runner.polls,
            "cpu_s": cpu,
        }

    out.put(asyncio.run(run()))


def _cpu_s() -> float:
    """This process's CPU seconds so far (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the sessions and the burst of Generates -------------------------------------------------


def _sessions(conn: Connection, jobs: int) -> list[tuple[int, int, int, int]]:
    """``jobs`` open sessions of as many members over :data:`GUILDS` guilds, each member
    with a grant; ``(session, guild, channel, member)`` of each."""
    stamp = NOW.isoformat()
    made = []
    for i in range(jobs):
        guild, channel, member = 10**17 + i % GUILDS, 10**17 + 1000 + i, 10**17 + 10**6 + i
        session = insert(
            conn,
            "INSERT INTO sessions (guild_id, channel_id, user_id, state, duration_s, ratio,"
            " resolution, created_at, updated_at) VALUES (?, ?, ?, 'open', 5, '16:9', '480p',"
            " ?, ?)",
            (guild, channel, member, stamp, stamp),
        )
        execute(
            conn,
            "INSERT INTO ledger (guild_id, user_id, kind, amount, delta, job_id,"
            " idempotency_key, note, created_at) VALUES (?, ?, 'grant', 100, 100, NULL, ?, '',"
            " ?)",
            (guild, member, f"bench-{i}", stamp),
        )
        execute(
            conn,
            "INSERT INTO ledger_balances (guild_id, user_id, available) VALUES (?, ?, 100)",
            (guild, member),
        )
        made.append((session, guild, channel, member))
    return made


async def _burst(
    url: str,
    sessions: list[tuple[int, int, int, int]],
    server_dir: Path,
    ark: str,
    gateway_port: int | None,
) -> dict[str, Any]:
    """Confirm every session's Generate at once (one hold each, as the spend offers do),
    then wait until every outcome is delivered: the wall seconds from the first hold to
    the last delivery, and the PostgreSQL server's CPU seconds meanwhile (read while this
    process's connection is still open, so its backend counts). With ``gateway_port``
    this process is also the gateway that takes Ark's callbacks there and relays them to
    the workers (bot/generation/callbacks.py): its CPU seconds and the receiver's counts
    come back too."""
    db = await Database.open_url(url)
    ledger = LedgerRepository(db)
    async with contextlib.AsyncExitStack() as stack:
        receiver = None
        if gateway_port is not None:
            receiver = await _gateway(stack, db, ark, gateway_port)
        cpu0 = _cpu_s()
        wall, db_cpu = await _holds_until_delivered(db, ledger, sessions, server_dir)
        cpu = _cpu_s() - cpu0
    await db.close()
    out: dict[str, Any] = {"wall_s": wall, "db_cpu_s": db_cpu}
    if receiver is not None:
        out["gateway_cpu_s"] = cpu
        out["callbacks"] = dict(vars(receiver.stats))
    return out


async def _gateway(
    stack: contextlib.AsyncExitStack, db: Database, ark: str, port: int
) -> CallbackReceiver:
    """The gateway's callback receiver on ``port``: its own runner runs no jobs, so every
    verified final callback is relayed (NOTIFY) to the worker driving the job."""
    base_url, key = ark.split("|")
    http = await stack.enter_async_context(aiohttp.ClientSession())
    host = SignedUrlHost("http://127.0.0.1:9", b"k", Path(tempfile.gettempdir()))
    provider = ArkProvider(SecretStr(key), session=http, asset_host=host, base_url=base_url)
    assert provider.callbacks is not None
    urls = CallbackUrls(f"http://127.0.0.1:{port}", CALLBACK_KEY)
    runner = JobRunner(LedgerRepository(db), {"ark": provider}, Path(tempfile.gettempdir()),
                       lambda: datetime.now(UTC), callbacks=urls, worker_id="gateway")  # fmt: skip
    receiver = CallbackReceiver(urls, {"ark": provider.callbacks}, runner, runner.claims.poke)
    server = AssetServer(None, "127.0.0.1", port)
    server.add_routes(receiver.routes())
    await server.start()
    stack.push_async_callback(server.close)
    return receiver


async def _holds_until_delivered(
    db: Database,
    ledger: LedgerRepository,
    sessions: list[tuple[int, int, int, int]],
    server_dir: Path,
) -> tuple[float, float]:
    request = request_to_json(compile_request(make_session(prompt="a kite at dusk"), "natural",
                                              DEFAULT_LIMITS))  # fmt: skip

    async def hold(session: int, guild: int, channel: int, member: int) -> HoldOutcome:
        return await ledger.create_job_with_hold(
            session_id=session, guild_id=guild, channel_id=channel, user_id=member,
            provider="ark", request_json=request, price=10, now=datetime.now(UTC),
        )  # fmt: skip

    db_cpu0 = _server_cpu_s(server_dir)
    start = time.perf_counter()
    outcomes = await asyncio.gather(*(hold(*made) for made in sessions))
    assert all(o.created for o in outcomes), "a hold was refused"
    delivered = "SELECT COUNT(*) AS n FROM jobs WHERE delivery_state = 'delivered'"
    while (row := await db.fetchone(delivered)) is None or row["n"] < len(sessions):  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # deliveries send no NOTIFY to wait on
    wall = time.perf_counter() - start
    return wall, _server_cpu_s(server_dir) - db_cpu0


def _count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _server_cpu_s(data_dir: Path) -> float:
    """CPU seconds (user + system) of the PostgreSQL server's processes so far."""
    postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
    total = 0.0
    for process in (postmaster, *postmaster.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a backend that just ended
            continue
        total += times.user + times.system
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": round(cuts[49], 2), "p99": round(cuts[98], 2), "passes": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--max-running", type=int, default=MAX_RUNNING)
    parser.add_argument("--max-running-per-guild", type=int, default=MAX_RUNNING_PER_GUILD)
    parser.add_argument(
        "--callbacks", action="store_true",
        help="Ark calls back at a gateway (this process), which relays to the workers",
    )  # fmt: skip
    args = parser.parse_args()
    limits = (args.max_running, args.max_running_per_guild)

    from pgserver.postgres_server import get_server

    spawn = multiprocessing.get_context("spawn")
    server_dir = Path(tempfile.mkdtemp(prefix="callsheet-bench-pg-"))
    server = get_server(server_dir, cleanup_mode="delete")
    url = server.get_uri()
    stop, found, ready, out = spawn.Event(), spawn.Queue(), spawn.Queue(), spawn.Queue()
    ark_process = spawn.Process(target=_serve_ark, args=(found, stop, args.callbacks), daemon=True)
    gateway_port = _free_port() if args.callbacks else None
    gateway = f"http://127.0.0.1:{gateway_port}" if gateway_port else None
    ark_process.start()
    try:

        async def setup() -> list[tuple[int, int, int, int]]:
            db = await Database.open_url(url)  # migrates
            made = await db.write(lambda c: _sessions(c, args.jobs))
            await db.close()
            return made

        sessions = asyncio.run(setup())
        ark = found.get(timeout=120)
        workers = [
            spawn.Process(
                target=_worker,
                args=(f"w{i + 1}", url, ark, limits, gateway, ready, stop, out),
            )
            for i in range(args.workers)
        ]
        for worker in workers:
            worker.start()
        for _ in workers:
            ready.get(timeout=120)
        burst = asyncio.run(_burst(url, sessions, server_dir, ark, gateway_port))
        wall, db_cpu = burst["wall_s"], burst["db_cpu_s"]
        stop.set()
        results = [out.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(60)
        created = int(found.get(timeout=60))
        ark_process.join(60)
        ledger = {
            kind: _count(url, f"SELECT COUNT(*) FROM ledger WHERE kind = '{kind}'")
            for kind in ("hold", "capture", "release")
        }
    finally:
        stop.set()
        server.cleanup()
    claims = [ms for r in results for ms in r["claims_ms"]]
    posts = [job for r in results for job in r["delivered"]]
    worker_cpu = sum(r["cpu_s"] for r in results)
    print(
        json.dumps(
            {
                "jobs": args.jobs,
                "workers": args.workers,
                "guilds": GUILDS,
                "limits": {"max_running": limits[0], "max_running_per_guild": limits[1]},
                "mode": "callbacks" if args.callbacks else "polling",
                **({} if args.callbacks else {"first_poll_s": POLL_S}),
                "wall_s": round(wall, 2),
                "throughput_jobs_per_s": round(args.jobs / wall, 1),
                "claim_ms": _percentiles(claims),
                "cpu_s_per_job": {
                    "workers": round(worker_cpu / args.jobs, 4),
                    "postgresql": round(db_cpu / args.jobs, 4),
                    **(
                        {"gateway": round(burst["gateway_cpu_s"] / args.jobs, 4)}
                        if args.callbacks
                        else {}
                    ),
                },
                **({"callbacks": burst["callbacks"]} if args.callbacks else {}),
                "polls": sum(r["polls"] for r in results),
                "exactly_once": {
                    "tasks_created": created,
                    "posts": len(posts),
                    "distinct_posts": len(set(posts)),
                    "holds": ledger["hold"],
                    "captures": ledger["capture"],
                    "releases": ledger["release"],
                    "delivered_by": {r["name"]: len(r["delivered"]) for r in results},
                },
            }
        )
    )


if __name__ == "__main__":
    main()
