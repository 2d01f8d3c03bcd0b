"""Storyboard benchmark: the wall time of an 8-shot storyboard from the confirmed price to
the film recorded, with the parallel plan (bot/storyboard/plan.py: cuts run side by side,
each "continue" after the shot it continues) against the same shots run one after another
(the guild allows one job at a time: what chaining Extend by hand does).

The shots: 8 × 4 s, the cuts ``cut, continue`` four times (four chains of two), one
soundtrack (the 24 s loop of the shared media; the last shots past its end get no part),
one storyboard-wide image.
Everything is the real core (``build_services``, SQLite, the job runner, the media
pool); the Discord side is a listener that records deliveries. Providers:

- ``ark``: the loopback Ark fake (tests/fakes/ark.py), each task taking ``--run-s``
  seconds at the "provider" and making a 4 s 480p clip (real Seedance takes minutes; the
  plan's gain is in that wait), with callbacks, the last frame returned by the provider;
- ``preview``: the local renderer, CPU-bound on this machine's cores (its gain is bounded
  by them).

Prints one JSON object: per provider, the parallel and sequential wall times (median of
``--runs``) and their ratio (the speed-up).

Run from the project root: ``.venv/bin/python -m bench.storyboard [--run-s 3] [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.generation.job import Job
from bot.services import build_services
from bot.settings import Settings
from bot.storyboard.model import Continuity
from storage.ledger import LedgerRepository
from tests.conftest import MEDIA
from tests.fakes._base import make_sample_mp4
from tests.fakes.ark import FakeArk

SHOTS = 8
SECONDS = 4
CUTS: tuple[Continuity, ...] = ("cut", "continue") * (SHOTS // 2)
GUILD, CHANNEL, MEMBER = 1, 10, 100


class Films:
    """The Discord side: records deliveries; ``film`` is set when the film is posted."""

    def __init__(self) -> None:
        self.film = asyncio.Event()

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        pass

    async def deliver(self, job: Job) -> int:
        if job.kind == "stitch":
            self.film.set()
        return job.id

    async def job_settled(self, job: Job) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def one_run(provider: str, parallel: bool, run_s: float) -> float:
    """Seconds from the start (the member's confirm) to the film recorded and posted."""
    async with AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sb-")))
        more: dict[str, Any] = {}
        if provider == "ark":
            shot = folder / "shot.mp4"  # what every task "makes": a 4 s 480p clip
            await asyncio.to_thread(make_sample_mp4, shot, seconds=SECONDS, size=(854, 480))
            ark = await stack.enter_async_context(FakeArk(result_video=shot, run_s=run_s))
            port = _free_port()
            more = {
                "default_provider": "ark", "ark_api_key": SecretStr(ark.api_key),
                "ark_base_url": ark.base_url, "public_base_url": f"http://127.0.0.1:{port}",
                "asset_server_host": "127.0.0.1", "asset_server_port": port,
            }  # fmt: skip
        settings = Settings(
            discord_token="bench", data_dir=folder / "data", default_resolution="480p",
            max_running_jobs=8, max_running_jobs_per_guild=4 if parallel else 1,
            _env_file=None, **more,
        )  # fmt: skip
        services = await build_services(settings)
        stack.push_async_callback(services.close)
        films = Films()
        services.runner.add_listener(films)
        services.runner.start()
        await LedgerRepository(services.db).grant(GUILD, MEMBER, 100_000, "bench", "bench",
                                                   services.clock())  # fmt: skip
        boards = services.storyboards
        board = await boards.open(GUILD, CHANNEL, MEMBER)
        await services.uploads.add_file(board.session_id, MEMBER, MEDIA / "images/coffee.png",
                                        "coffee.png")  # fmt: skip
        for number, cut in enumerate(CUTS, start=1):
            board = await boards.add_shot(board.id, MEMBER, f"shot {number}", SECONDS, cut)
        track = MEDIA / "audio/loop_safari_24s.mp3"
        board = await boards.set_soundtrack(board.id, MEMBER, track, "loop.mp3")
        quote = await boards.quote(board.id, MEMBER)
        assert quote.total is not None, quote.problem
        started = time.perf_counter()
        await boards.start(board.id, MEMBER, quote.total)
        await asyncio.wait_for(films.film.wait(), 900)
        return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-s", type=float, default=3.0, help="each Ark fake task's time")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--providers", default="ark,preview")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "shots": SHOTS, "seconds_per_shot": SECONDS, "cuts": list(CUTS), "runs": args.runs,
    }  # fmt: skip
    for provider in args.providers.split(","):
        times: dict[str, list[float]] = {"parallel": [], "sequential": []}
        for _ in range(args.runs):
            for mode in times:
                times[mode].append(await one_run(provider, mode == "parallel", args.run_s))
        parallel = statistics.median(times["parallel"])
        sequential = statistics.median(times["sequential"])
        results[provider] = {
            "task_s": args.run_s if provider == "ark" else None,
            "parallel_s": round(parallel, 2),
            "sequential_s": round(sequential, 2),
            "speedup": round(sequential / parallel, 2),
            "all_parallel_s": [round(t, 2) for t in times["parallel"]],
            "all_sequential_s": [round(t, 2) for t in times["sequential"]],
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
