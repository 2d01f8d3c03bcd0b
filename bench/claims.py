"""Job claim benchmark: the cost of one scheduling pass's claim (storage/claims.py) with
1,000 unfinished jobs (50 claimed and running, 950 queued across 100 members), on SQLite
and on a real PostgreSQL (pgserver, as the tests start it), from one runner and from
four runners on four connections claiming at once (their claims are serialised).

Each pass claims nothing new (the limits are full), as almost every pass in a busy queue
does: it reads the line, orders it fairly and computes the queue positions. Prints one
JSON object: per back end, per-claim latency p50/p99 in ms for one runner and for four.

Run from the project root: ``.venv/bin/python -m bench.claims``
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from storage.claims import ClaimLimits, ClaimRepository
from storage.db import Connection, Database, execute
from tests.conftest import make_session

JOBS, RUNNING, MEMBERS, PASSES = 1000, 50, 100, 60
NOW = datetime(2026, 12, 1, tzinfo=UTC)
LIMITS = ClaimLimits(max_running=RUNNING, max_running_per_guild=RUNNING)


def _fill(conn: Connection) -> None:
    request = request_to_json(compile_request(make_session(prompt="a kite"), "natural",
                                              DEFAULT_LIMITS))  # fmt: skip
    stamp = NOW.isoformat()
    for i in range(JOBS):
        execute(
            conn,
            "INSERT INTO sessions (guild_id, channel_id, user_id, state, duration_s, ratio,"
            " resolution, created_at, updated_at) VALUES (1, ?, ?, 'generating', 5, '16:9',"
            " '480p', ?, ?)",
            (i + 1, 1000 + i % MEMBERS, stamp, stamp),
        )
        execute(
            conn,
            "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
            " request_json, price, created_at, updated_at) VALUES (?, 1, 1, ?, 'queued',"
            " 'ark', ?, 1, ?, ?)",
            (i + 1, 1000 + i % MEMBERS, request, stamp, stamp),
        )


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2)}


async def _run(url: str) -> dict[str, Any]:
    dbs = [await Database.open_url(url) for _ in range(4)]
    try:
        await dbs[0].write(_fill)
        first = ClaimRepository(dbs[0])
        lease = NOW + timedelta(hours=1)
        claimed = await first.claim("setup", NOW, lease, LIMITS)
        assert len(claimed.jobs) == RUNNING
        single = []
        for _ in range(PASSES):
            start = time.perf_counter()
            await first.claim("one", NOW, lease, LIMITS)
            single.append(time.perf_counter() - start)
        many: list[float] = []

        async def runner(db: Database, name: str) -> None:
            repo = ClaimRepository(db)
            for _ in range(PASSES // 4):
                start = time.perf_counter()
                assert (await repo.claim(name, NOW, lease, LIMITS)).jobs == []
                many.append(time.perf_counter() - start)

        await asyncio.gather(*(runner(db, f"r{i}") for i, db in enumerate(dbs)))
        return {"one_runner": _percentiles(single), "four_runners": _percentiles(many)}
    finally:
        for db in dbs:
            await db.close()


def main() -> None:
    from pgserver.postgres_server import get_server

    out: dict[str, Any] = {"jobs": JOBS, "running": RUNNING, "members": MEMBERS}
    with tempfile.TemporaryDirectory() as folder:
        out["sqlite"] = asyncio.run(_run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
    server_dir = tempfile.mkdtemp(prefix="callsheet-bench-pg-")
    server = get_server(server_dir, cleanup_mode="delete")
    try:
        out["postgresql"] = asyncio.run(_run(server.get_uri()))
    finally:
        server.cleanup()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
