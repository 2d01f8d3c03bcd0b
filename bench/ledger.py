"""Ledger benchmark: holds per second on SQLite, and double spends under contention.

A hold is ``LedgerRepository.create_job_with_hold``: in one ``BEGIN IMMEDIATE`` transaction
(one hop to the database thread) the busy check, the caps, the balance check, the job row,
the hold entry and the session's state. Every hold here is one member's, on a WAL SQLite
file on disk (not tmpfs: ``--dir`` to choose), so each one contends for the same balance.

Prints one JSON object:
- ``holds_per_second``: ``sequential`` (one hold awaited after another), ``concurrent``
  (all at once from one process: they queue on the writer thread and commit in groups),
  ``sequential_caps`` (a guild with all four caps set, as Generate checks them, and 100
  members each staying under them), and ``sequential_full_sync``
  (``synchronous=FULL``: an fsync per commit) with its ``full_sync_ratio`` to
  ``sequential`` (storage/db.py says why NORMAL is the default);
- ``reads``: card-like reads (``balance``) running while holds are written, with reads on
  their own connection and thread (the default) and on the writer's: reads per second and
  read latency p50/p99 (ms) for each, and the ratio of the p99s;
- ``contention``: 500 concurrent holds from one process, then from 4 processes sharing the
  file (like shards), on a balance worth exactly ``affordable`` jobs; ``double_spend`` is
  how many more jobs than affordable were created plus any negative balance (must be 0);
  ``balance_matches_ledger``: the running balance equals ``SUM(delta)`` of the entries;
- with ``--postgresql``: ``postgresql``, the same ``sequential`` and ``concurrent`` holds per
  second and the same 4-process contention on a PostgreSQL server the bench starts itself
  (the ``pgserver`` package, from the ``test`` extra; a Unix socket on this machine).

Run: ``.venv/bin/python bench/ledger.py`` (``--holds N``, default 2000; ``--postgresql``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database, Synchronous
from storage.ledger import HoldLimits, LedgerRepository
from storage.sessions import SessionRepository

NOW = datetime(2026, 11, 25, tzinfo=UTC)
GUILD, USER, PRICE = 1, 2, 10
# A guild with every cap set, as Generate checks them: its members stay under the caps.
CAPS = HoldLimits(
    day_start=NOW, videos_per_day=25, seconds_per_day=25 * 5, concurrent_jobs=25, cooldown_s=1,
)  # fmt: skip
CAPPED_MEMBERS = 100


async def _sessions(db: Database, count: int, offset: int, members: int = 1) -> list[int]:
    """``count`` open sessions, the i-th one of member ``USER + i % members``."""
    repo = SessionRepository(db)
    return [
        await repo.create(
            guild_id=GUILD,
            channel_id=offset + i,
            user_id=USER + i % members,
            prompt="",
            duration_s=5,
            ratio="16:9",
            resolution="480p",
            generate_audio=True,
            now=NOW,
        )
        for i in range(count)
    ]


async def _hold(
    ledger: LedgerRepository, session_id: int, limits: HoldLimits | None, seconds: int = 0,
    user_id: int = USER,
) -> bool:  # fmt: skip
    """One hold, ``seconds`` after NOW (the cooldown cap needs the holds apart in time)."""
    outcome = await ledger.create_job_with_hold(
        session_id=session_id, guild_id=GUILD, channel_id=0, user_id=user_id, provider="bench",
        request_json="{}", price=PRICE, now=NOW + timedelta(seconds=seconds), duration_s=5,
        limits=limits,
    )  # fmt: skip
    return outcome.created


Target = Path | str  # a SQLite file, or a database URL


async def _open(target: Target, synchronous: Synchronous = "NORMAL") -> Database:
    if isinstance(target, str):
        return await Database.open_url(target)
    return await Database.open(target, synchronous=synchronous)


async def _throughput(
    path: Target, count: int, *, concurrent: bool = False, limits: HoldLimits | None = None,
    synchronous: Synchronous = "NORMAL",
) -> float:  # fmt: skip
    db = await _open(path, synchronous)
    ledger = LedgerRepository(db)
    members = CAPPED_MEMBERS if limits is not None else 1
    for member in range(members):
        await ledger.grant(GUILD, USER + member, PRICE * count, f"bench-{member}", "", NOW)
    sessions = await _sessions(db, count, 0, members)
    started = time.perf_counter()
    if concurrent:
        created = sum(await asyncio.gather(*(_hold(ledger, s, limits) for s in sessions)))
    else:
        created = 0
        for i, session in enumerate(sessions):
            # member i % members; each member's holds 2 s apart (the cooldown is 1 s)
            user, seconds = USER + i % members, 2 * (i // members)
            created += await _hold(ledger, session, limits, seconds, user)
    elapsed = time.perf_counter() - started
    await db.close()
    assert created == count, f"only {created} of {count} holds were created"
    return count / elapsed


async def _reads(path: Path, holds: int, separate_reader: bool) -> dict[str, float]:
    """Balance reads in a loop (8 readers) while ``holds`` holds are written one by one."""
    db = await Database.open(path, separate_reader=separate_reader)
    ledger = LedgerRepository(db)
    await ledger.grant(GUILD, USER, PRICE * holds, "bench-reads", "", NOW)
    sessions = await _sessions(db, holds, 0)
    latencies: list[float] = []
    writing = True

    async def reader() -> None:
        while writing:
            started = time.perf_counter()
            await ledger.balance(GUILD, USER, NOW)
            latencies.append(time.perf_counter() - started)

    readers = [asyncio.create_task(reader()) for _ in range(8)]
    started = time.perf_counter()
    for i, session in enumerate(sessions):
        await _hold(ledger, session, None, 2 * i)
    elapsed = time.perf_counter() - started
    writing = False
    await asyncio.gather(*readers)
    await db.close()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "reads_per_second": round(len(latencies) / elapsed, 1),
        "holds_per_second": round(holds / elapsed, 1),
        "read_p50_ms": round(cuts[49] * 1000, 3),
        "read_p99_ms": round(cuts[98] * 1000, 3),
    }


async def _contend(path: Target, sessions: list[int]) -> int:
    db = await _open(path)
    ledger = LedgerRepository(db)
    results = await asyncio.gather(*(_hold(ledger, s, None) for s in sessions))
    await db.close()
    return sum(results)


def _worker(args: tuple[Target, list[int]]) -> int:
    return asyncio.run(_contend(args[0], args[1]))


async def _prepare(path: Target, attempts: int, affordable: int) -> list[int]:
    db = await _open(path)
    await LedgerRepository(db).grant(GUILD, USER, PRICE * affordable, "bench-start", "", NOW)
    sessions = await _sessions(db, attempts, 10_000)
    await db.close()
    return sessions


async def _settle(path: Target) -> tuple[int, bool]:
    """The member's balance, and whether the running balance equals SUM(delta)."""
    db = await _open(path)
    available = await LedgerRepository(db).available(GUILD, USER)
    row = await db.fetchone(
        "SELECT COALESCE(SUM(delta), 0) AS n FROM ledger WHERE guild_id = ? AND user_id = ?",
        (GUILD, USER),
    )
    await db.close()
    return available, row is not None and int(row["n"]) == available


def _processes(target: Target, attempts: int, affordable: int, processes: int) -> dict[str, object]:
    """``attempts`` holds from ``processes`` processes on a balance worth ``affordable``."""
    sessions = asyncio.run(_prepare(target, attempts, affordable))
    chunks = [(target, sessions[i::processes]) for i in range(processes)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        created = sum(pool.map(_worker, chunks))
    seconds = time.perf_counter() - started
    balance, matches = asyncio.run(_settle(target))
    return {
        "created": created,
        "balance_after": balance,
        "double_spend": max(0, created - affordable) + max(0, -balance),
        "balance_matches_ledger": matches,
        "seconds": round(seconds, 2),
    }


def _postgresql(holds: int, attempts: int, affordable: int, processes: int) -> dict[str, object]:
    """The holds and the contention on a PostgreSQL server started for the bench."""
    from pgserver.postgres_server import get_server  # the test extra

    folder = tempfile.mkdtemp(prefix="callsheet-bench-pg-")  # not private: its own user reads
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR as root
        warnings.simplefilter("ignore")
        server = get_server(folder, cleanup_mode="delete")
    try:
        for name in ("seq", "conc", "many"):
            server.psql(f"CREATE DATABASE {name};")
        url = {n: server.get_uri(n) for n in ("seq", "conc", "many")}
        sequential = asyncio.run(_throughput(url["seq"], holds))
        concurrent = asyncio.run(_throughput(url["conc"], holds, concurrent=True))
        contention = _processes(url["many"], attempts, affordable, processes)
    finally:
        server.cleanup()
    return {
        "holds_per_second": {
            "sequential": round(sequential, 1),
            "concurrent": round(concurrent, 1),
        },
        f"contention_{processes}_processes": contention,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holds", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go")
    parser.add_argument("--postgresql", action="store_true", help="on PostgreSQL too")
    args = parser.parse_args()
    holds, attempts, affordable, processes = args.holds, 500, 37, 4
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        sequential = asyncio.run(_throughput(folder / "seq.sqlite3", holds))
        concurrent = asyncio.run(_throughput(folder / "conc.sqlite3", holds, concurrent=True))
        caps = asyncio.run(_throughput(folder / "caps.sqlite3", holds, limits=CAPS))
        full = asyncio.run(_throughput(folder / "full.sqlite3", holds, synchronous="FULL"))
        separate = asyncio.run(_reads(folder / "reads-separate.sqlite3", holds // 4, True))
        shared = asyncio.run(_reads(folder / "reads-shared.sqlite3", holds // 4, False))

        one = folder / "one.sqlite3"
        sessions = asyncio.run(_prepare(one, attempts, affordable))
        created_one = asyncio.run(_contend(one, sessions))
        balance_one, matches_one = asyncio.run(_settle(one))

        many = _processes(folder / "many.sqlite3", attempts, affordable, processes)
    postgresql = _postgresql(holds, attempts, affordable, processes) if args.postgresql else None

    def double_spend(created: int, balance: int) -> int:
        return max(0, created - affordable) + max(0, -balance)

    print(
        json.dumps(
            {
                "holds": holds,
                "holds_per_second": {
                    "sequential": round(sequential, 1),
                    "concurrent": round(concurrent, 1),
                    "sequential_caps": round(caps, 1),
                    "sequential_full_sync": round(full, 1),
                    "full_sync_ratio": round(full / sequential, 2),
                },
                "reads": {
                    "separate_reader": separate,
                    "shared_with_writer": shared,
                    "p99_ratio_separate_to_shared": round(
                        separate["read_p99_ms"] / shared["read_p99_ms"], 2
                    ),
                },
                "contention": {
                    "attempts": attempts,
                    "affordable": affordable,
                    "one_process": {
                        "created": created_one,
                        "balance_after": balance_one,
                        "double_spend": double_spend(created_one, balance_one),
                        "balance_matches_ledger": matches_one,
                    },
                    f"{processes}_processes": many,
                },
                "postgresql": postgresql,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
