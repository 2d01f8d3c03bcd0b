"""Provider benchmark: the bot's own overhead per job for each real provider client.

For each provider (ark, evolink, fal) this process runs N jobs through the provider client
the bot builds (:func:`bot.services.build_providers`), the real
:class:`bot.generation.jobs.JobRunner`
with a silent listener (no Discord), a real SQLite ledger and the bot's asset server. The
providers' loopback fakes run in a child process, so their CPU is not counted; each job is
a reference-to-video request (a real image and a real audio file) that the fake downloads
from the asset server, finishes at the first poll, and whose MP4 result this process
downloads. What is counted here is everything the bot does for a job outside the
provider's own time: publishing and serving references, API calls, polling, the result
download, ledger transactions.

All N jobs are admitted at once (``max_running`` = N), so what is measured is the per-job
path, not the fair queue. Per provider, after a short warm-up:
- ``cpu_ms_per_job``: ``time.process_time`` delta over the run / N (all threads, so
  the database threads' too);
- ``wall_ms_per_job``: for context (includes the fake's time);
- ``peak_rss_delta_mib``: peak RSS during the run (``VmHWM`` after resetting it through
  ``/proc/self/clear_refs``) minus RSS at the start;
- ``bytes_per_job``: ``tracemalloc`` peak during a second, traced run / N (traced
  separately so tracing does not inflate the CPU figure).

Prints one JSON object. Run from the project root: ``.venv/bin/python -m bench.providers``
(``--jobs N``, default 50).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import resource
import shutil
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.hosting.signed import AssetServer, SignedUrlHost
from bot.media.probe import probe
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.session import Asset, Session, SessionState
from bot.services import build_providers
from bot.settings import Settings
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
REFERENCES = (
    ("image", "images/rocket.jpg", "character"),
    ("audio", "audio/loop_tabla.mp3", "beat_sync"),
)
PROVIDERS = ("ark", "evolink", "fal")
DEFAULT_JOBS = 50
WARM_UP_JOBS = 5
PRICE = 4
RUN_TIMEOUT_S = 60.0
NOW = datetime(2026, 11, 25, tzinfo=UTC)
PROMPT = "@image1 lifts off into a violet dusk, cut on the beat of @audio1"


# -- the fakes, in a child process -------------------------------------------------------


def _serve(queue: multiprocessing.Queue[dict[str, str]]) -> None:
    from tests.fakes.ark import FakeArk
    from tests.fakes.evolink import FakeEvolink
    from tests.fakes.fal import FakeFal

    async def run() -> None:
        async with FakeArk() as ark, FakeEvolink() as evolink, FakeFal() as fal:
            queue.put(
                {
                    "ark_api_key": ark.api_key,
                    "ark_base_url": ark.base_url,
                    "evolink_api_key": evolink.api_key,
                    "evolink_base_url": evolink.base_url,
                    "fal_key": fal.api_key,
                    "fal_queue_base": fal.queue_base,
                }
            )
            await asyncio.Event().wait()

    asyncio.run(run())


# -- measuring ---------------------------------------------------------------------------


class Counting:
    """A silent job listener that counts deliveries and says when all have arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.delivered_jobs: list[Job] = []
        self.all_delivered = asyncio.Event()

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        self.delivered_jobs.append(job)
        return 10_000 + job.id

    async def job_settled(self, job: Job) -> None:
        if len(self.delivered_jobs) >= self.expected:
            self.all_delivered.set()


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_rss_kib() -> int:
    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class Run:
    cpu_s: float
    wall_s: float
    rss_delta_kib: int
    traced_peak_bytes: int


async def _run(name: str, fakes: dict[str, Any], work: Path, jobs: int, *, trace: bool) -> Run:
    """Create ``jobs`` queued jobs for ``name``, then measure the runner driving them all to
    delivery."""
    if work.exists():
        shutil.rmtree(work)
    data_dir = work / "data"
    (data_dir / "sessions").mkdir(parents=True)
    db = await Database.open(data_dir / "callsheet.sqlite3")
    ledger = LedgerRepository(db)
    sessions = SessionRepository(db)
    host = SignedUrlHost("http://127.0.0.1:0", b"bench-signing-key", data_dir)
    server = AssetServer(host, "127.0.0.1", 0)
    await server.start()
    host.base_url = f"http://127.0.0.1:{server.port}"
    settings = Settings(
        discord_token="bench-token",
        data_dir=data_dir,
        provider=name,
        public_base_url=host.base_url,
        _env_file=None,
        **fakes,
    )
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=300, sock_read=60)
    ) as http:
        providers = build_providers(settings, http, host)
        provider = providers[name]
        await ledger.grant(1, 1, 10**9, "bench", "", NOW)
        request_json = ""
        for i in range(jobs):
            session_id = await sessions.create(
                guild_id=1, channel_id=i, user_id=1, prompt=PROMPT, duration_s=4,
                ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
            )  # fmt: skip
            if not request_json:  # one compiled request, as Generate would make
                request_json = _compiled(session_id, data_dir, provider.profile)
            outcome = await ledger.create_job_with_hold(
                session_id=session_id, guild_id=1, channel_id=i, user_id=1, provider=name,
                request_json=request_json, price=PRICE, now=NOW, duration_s=4,
                resolution="480p",
            )  # fmt: skip
            assert outcome.created, outcome
        # Every job runs at once (no fair queue): the per-job path alone is measured. With the
        # bot's defaults (4, 2 per guild) a backlog stalls on lost scheduler wake-ups
        # (JobRunner._schedule clears ``_wake`` after a pass, dropping wakes made during it),
        # so each admission waits out ``tick_s`` = 5 s and 50 jobs take ~95 s.
        runner = JobRunner(
            ledger, providers, data_dir / "results", lambda: NOW,
            max_running=jobs, max_running_per_guild=jobs,
        )  # fmt: skip
        listener = Counting(jobs)
        runner.add_listener(listener)

        gc.collect()
        rss0 = _status_kib("VmRSS") if _reset_peak_rss() else None
        if rss0 is None:
            rss0 = _peak_rss_kib()
        if trace:
            tracemalloc.start()
            tracemalloc.reset_peak()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        runner.start()
        await asyncio.wait_for(listener.all_delivered.wait(), RUN_TIMEOUT_S)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        traced = 0
        if trace:
            traced = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        rss_delta = _peak_rss_kib() - rss0
        await runner.close()

    states = [row["state"] for row in await db.fetchall("SELECT state FROM jobs")]
    await server.close()
    await db.close()
    assert states == ["succeeded"] * jobs, f"{name}: not every job succeeded: {states}"
    assert len({j.id for j in listener.delivered_jobs}) == jobs
    for job in listener.delivered_jobs:
        assert job.result_key is not None and Path(job.result_key).stat().st_size > 0
    return Run(cpu, wall, rss_delta, traced)


def _compiled(session_id: int, data_dir: Path, profile: Any) -> str:
    """The session's compiled request in ``profile``'s dialect, references under data_dir."""
    assets = []
    counts: dict[str, int] = {}
    for asset_id, (kind, relative, role) in enumerate(REFERENCES, start=1):
        source = MEDIA / relative
        stored = data_dir / "sessions" / f"{session_id}-{source.name}"
        shutil.copy(source, stored)
        info = probe(stored)
        counts[kind] = counts.get(kind, 0) + 1
        assets.append(
            Asset(
                id=asset_id, session_id=session_id, kind=kind, ordinal=counts[kind],  # type: ignore[arg-type]
                role=role, key=str(stored), filename=source.name, sha256=f"bench-{asset_id}",
                format=info.format, size_bytes=info.size_bytes, width=info.width,
                height=info.height, duration_s=info.duration_s, has_audio=info.has_audio,
            )
        )  # fmt: skip
    session = Session(
        id=session_id, guild_id=1, channel_id=0, user_id=1, state=SessionState.OPEN,
        prompt=PROMPT,
        duration_s=4, ratio="16:9", resolution="480p", generate_audio=True,
        created_at=NOW, updated_at=NOW, assets=tuple(assets),
    )  # fmt: skip
    request = compile_request(session, profile.dialect, profile.limits)
    assert request.mode == "reference_to_video", request.mode
    return request_to_json(request)


async def _measure(name: str, fakes: dict[str, Any], tmp: Path, jobs: int) -> dict[str, Any]:
    await _run(name, fakes, tmp / f"{name}-warm", WARM_UP_JOBS, trace=False)
    plain = await _run(name, fakes, tmp / f"{name}-plain", jobs, trace=False)
    traced = await _run(name, fakes, tmp / f"{name}-traced", jobs, trace=True)
    return {
        "cpu_ms_per_job": round(plain.cpu_s * 1000 / jobs, 2),
        "wall_ms_per_job": round(plain.wall_s * 1000 / jobs, 2),
        "peak_rss_delta_mib": round(plain.rss_delta_kib / 1024, 2),
        "bytes_per_job": round(traced.traced_peak_bytes / jobs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS)
    args = parser.parse_args()
    if not MEDIA.is_dir():
        raise SystemExit(f"real test media not found at {MEDIA}")
    queue: multiprocessing.Queue[dict[str, str]] = multiprocessing.Queue()
    fakes_process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(queue,), daemon=True
    )
    fakes_process.start()
    try:
        fakes = queue.get(timeout=60)
        results: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="callsheet-bench-providers-") as tmp:
            for name in PROVIDERS:
                results[name] = asyncio.run(_measure(name, fakes, Path(tmp), args.jobs))
    finally:
        fakes_process.terminate()
        fakes_process.join(10)
    print(
        json.dumps(
            {
                "jobs_per_provider": args.jobs,
                "references_per_job": len(REFERENCES),
                "concurrency": "all jobs at once",
                "providers": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
