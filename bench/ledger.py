"""Ledger benchmark: holds per second on SQLite and double spends under contention.

Prints one JSON object:
- ``holds_per_second``: sequential create_job_with_hold calls (job row + hold entry, one
  ``BEGIN IMMEDIATE`` transaction each) on a WAL SQLite file;
- ``contention``: 500 concurrent holds from one process, then from 4 processes sharing the
  file (like shards), on a balance worth exactly ``affordable`` jobs; ``double_spend`` is
  how many more jobs than affordable were created plus any negative balance (must be 0).

Run: ``.venv/bin/python bench/ledger.py``
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository

NOW = datetime(2026, 11, 25, tzinfo=UTC)
GUILD, USER, PRICE = 1, 2, 10


async def _sessions(db: Database, count: int, offset: int) -> list[int]:
    repo = SessionRepository(db)
    return [
        await repo.create(
            guild_id=GUILD,
            channel_id=offset + i,
            user_id=USER,
            prompt="",
            duration_s=5,
            ratio="16:9",
            resolution="480p",
            generate_audio=True,
            now=NOW,
        )
        for i in range(count)
    ]


async def _hold(ledger: LedgerRepository, session_id: int) -> bool:
    outcome = await ledger.create_job_with_hold(
        session_id=session_id, guild_id=GUILD, channel_id=0, user_id=USER, provider="bench",
        request_json="{}", price=PRICE, now=NOW, duration_s=5,
    )  # fmt: skip
    return outcome.created


async def _throughput(path: Path, count: int) -> float:
    db = await Database.open(path)
    ledger = LedgerRepository(db)
    await ledger.grant(GUILD, USER, PRICE * count, "bench-throughput", "", NOW)
    sessions = await _sessions(db, count, 0)
    started = time.perf_counter()
    for session in sessions:
        await _hold(ledger, session)
    elapsed = time.perf_counter() - started
    await db.close()
    return count / elapsed


async def _contend(path: Path, sessions: list[int]) -> int:
    db = await Database.open(path)
    ledger = LedgerRepository(db)
    results = await asyncio.gather(*(_hold(ledger, s) for s in sessions))
    await db.close()
    return sum(results)


def _worker(args: tuple[str, list[int]]) -> int:
    return asyncio.run(_contend(Path(args[0]), args[1]))


async def _prepare(path: Path, attempts: int, affordable: int) -> list[int]:
    db = await Database.open(path)
    await LedgerRepository(db).grant(GUILD, USER, PRICE * affordable, "bench-start", "", NOW)
    sessions = await _sessions(db, attempts, 10_000)
    await db.close()
    return sessions


async def _balance(path: Path) -> int:
    db = await Database.open(path)
    available = await LedgerRepository(db).available(GUILD, USER)
    await db.close()
    return available


def main() -> None:
    attempts, affordable, processes = 500, 37, 4
    with tempfile.TemporaryDirectory() as tmp:
        rate = asyncio.run(_throughput(Path(tmp) / "throughput.sqlite3", 2000))

        one = Path(tmp) / "one.sqlite3"
        sessions = asyncio.run(_prepare(one, attempts, affordable))
        created_one = asyncio.run(_contend(one, sessions))
        balance_one = asyncio.run(_balance(one))

        many = Path(tmp) / "many.sqlite3"
        sessions = asyncio.run(_prepare(many, attempts, affordable))
        chunks = [(str(many), sessions[i::processes]) for i in range(processes)]
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            created_many = sum(pool.map(_worker, chunks))
        contended_s = time.perf_counter() - started
        balance_many = asyncio.run(_balance(many))

    def double_spend(created: int, balance: int) -> int:
        return max(0, created - affordable) + max(0, -balance)

    print(
        json.dumps(
            {
                "holds_per_second": round(rate, 1),
                "contention": {
                    "attempts": attempts,
                    "affordable": affordable,
                    "one_process": {
                        "created": created_one,
                        "balance_after": balance_one,
                        "double_spend": double_spend(created_one, balance_one),
                    },
                    f"{processes}_processes": {
                        "created": created_many,
                        "balance_after": balance_many,
                        "double_spend": double_spend(created_many, balance_many),
                        "seconds": round(contended_s, 2),
                    },
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
