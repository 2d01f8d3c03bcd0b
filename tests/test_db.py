"""The database's transactions on a real SQLite file and a real PostgreSQL server: a body
runs whole or not at all, a burst of writes committed together still fails body by body,
reads see committed writes, and a closed database refuses work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import Connection, Database, DatabaseClosed, IntegrityError, execute, scalar
from storage.ledger import LedgerRepository
from tests.conftest import NOW


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


G, U = 10, 30


class Refused(Exception):
    """What the failing bodies below raise."""


def _count(conn: Connection) -> int:
    return int(scalar(conn, "SELECT COUNT(*) FROM audit_log"))


def _insert(conn: Connection, action: str) -> int:
    return execute(
        conn,
        "INSERT INTO audit_log (guild_id, actor_id, action, created_at) VALUES (?, ?, ?, ?)",
        (G, U, action, NOW.isoformat()),
    )


async def test_a_failing_body_rolls_back_everything_it_wrote(db: Database) -> None:
    def body(conn: Connection) -> None:
        _insert(conn, "first")
        _insert(conn, "second")
        assert _count(conn) == 2  # the body sees its own writes…
        raise Refused

    with pytest.raises(Refused):
        await db.write(body)
    assert await db.read(_count) == 0  # …and none of them survive its failure
    assert await db.write(lambda conn: _insert(conn, "after")) == 1  # the database goes on
    assert await db.read(_count) == 1


async def test_a_constraint_error_in_a_ledger_body_leaves_the_balance_alone(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 50, "start", "", NOW)

    def overdraw(conn: Connection) -> None:
        execute(
            conn,
            "INSERT INTO ledger (guild_id, user_id, kind, amount, delta, idempotency_key,"
            " created_at) VALUES (?, ?, 'revoke', -5, -5, 'bad', ?)",  # amount < 0: CHECK
            (G, U, NOW.isoformat()),
        )

    with pytest.raises(IntegrityError):
        await db.write(overdraw)
    assert await ledger.available(G, U) == 50
    assert [e.kind for e in await ledger.entries(G, U)] == ["grant"]


async def test_a_burst_of_writes_fails_and_commits_body_by_body(db: Database) -> None:
    def failing(conn: Connection) -> None:
        _insert(conn, "doomed")
        raise Refused

    bodies = [(lambda conn, i=i: _insert(conn, f"ok-{i}")) if i % 5 else failing for i in range(40)]
    outcomes = await asyncio.gather(*(db.write(b) for b in bodies), return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failed) == 8 and all(isinstance(o, Refused) for o in failed)
    actions = await db.fetchall("SELECT action FROM audit_log")
    assert sorted(row["action"] for row in actions) == sorted(f"ok-{i}" for i in range(40) if i % 5)


async def test_a_read_sees_the_write_it_follows(db: Database) -> None:
    ledger = LedgerRepository(db)
    for n in range(1, 21):  # reads go to their own connection; each follows its write
        await ledger.grant(G, U, 1, f"grant-{n}", "", NOW)
        assert await ledger.available(G, U) == n


async def test_round_trips_and_writes_are_counted(db: Database) -> None:
    trips, writes = db.round_trips, db.writes
    await db.write(lambda conn: _insert(conn, "one"))
    await db.read(_count)
    await db.fetchone("SELECT 1")
    assert (db.round_trips - trips, db.writes - writes) == (3, 1)


async def test_a_closed_database_refuses_work(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "closed.sqlite3")
    # gather starts its tasks in order: the write is queued before the close begins
    written, _ = await asyncio.gather(
        database.write(lambda conn: _insert(conn, "queued before close")), database.close()
    )
    assert written == 1  # work queued before the close still ran
    for attempt in (database.read(_count), database.write(_count), database.fetchall("SELECT 1")):
        with pytest.raises(DatabaseClosed):
            await attempt
    await database.close()  # twice is harmless
    reopened = await Database.open(tmp_path / "closed.sqlite3")
    assert await reopened.read(_count) == 1
    await reopened.close()
