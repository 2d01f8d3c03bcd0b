"""The credit ledger on a real SQLite file and a real PostgreSQL server: hold, capture,
release, idempotency, contention."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


G, U = 10, 30


async def _session(db: Database, user: int = U, channel: int = 20) -> int:
    return await SessionRepository(db).create(
        guild_id=G, channel_id=channel, user_id=user, prompt="", duration_s=5,
        ratio="16:9", resolution="720p", generate_audio=True, now=NOW,
    )  # fmt: skip


async def _hold(ledger: LedgerRepository, session_id: int, price: int) -> int | None:
    outcome = await ledger.create_job_with_hold(
        session_id=session_id, guild_id=G, channel_id=20, user_id=U, provider="preview",
        request_json="{}", price=price, now=NOW,
    )  # fmt: skip
    return outcome.job_id if outcome.created else None


async def test_grant_is_idempotent_by_key(db: Database) -> None:
    ledger = LedgerRepository(db)
    assert await ledger.grant(G, U, 100, "start", "starting allowance", NOW)
    assert not await ledger.grant(G, U, 100, "start", "starting allowance", NOW)
    assert await ledger.available(G, U) == 100


async def test_hold_then_capture_spends_and_release_refunds(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 100, "start", "", NOW)
    job = await _hold(ledger, await _session(db), 30)
    assert job is not None
    assert (await ledger.available(G, U), await ledger.held(G, U)) == (70, 30)
    assert await ledger.finish_job(job, "succeeded", NOW, result_path="/x.mp4")
    assert not await ledger.finish_job(job, "failed", NOW)  # a second finish changes nothing
    assert (await ledger.available(G, U), await ledger.held(G, U)) == (70, 0)

    job2 = await _hold(ledger, await _session(db, channel=21), 50)
    assert job2 is not None and await ledger.available(G, U) == 20
    assert await ledger.finish_job(job2, "failed", NOW, error="boom")
    assert await ledger.available(G, U) == 70
    kinds = [e.kind for e in await ledger.entries(G, U)]
    assert kinds == ["release", "hold", "capture", "hold", "grant"]


async def test_hold_refused_when_balance_is_short(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 10, "start", "", NOW)
    outcome = await ledger.create_job_with_hold(
        session_id=await _session(db), guild_id=G, channel_id=20, user_id=U,
        provider="preview", request_json="{}", price=11, now=NOW,
    )  # fmt: skip
    assert (outcome.job_id, outcome.created, outcome.available) == (None, False, 10)
    assert await ledger.entries(G, U) != [] and await ledger.available(G, U) == 10


async def test_second_generate_on_a_busy_session_returns_the_running_job(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 100, "start", "", NOW)
    session = await _session(db)
    first = await _hold(ledger, session, 10)
    again = await ledger.create_job_with_hold(
        session_id=session, guild_id=G, channel_id=20, user_id=U, provider="preview",
        request_json="{}", price=10, now=NOW,
    )  # fmt: skip
    assert (again.job_id, again.created) == (first, False)
    assert await ledger.available(G, U) == 90


async def test_concurrent_holds_never_overdraw(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 30, "start", "", NOW)
    sessions = [await _session(db, channel=100 + i) for i in range(40)]
    results = await asyncio.gather(*(_hold(ledger, s, 10) for s in sessions))
    assert sum(1 for r in results if r is not None) == 3
    assert await ledger.available(G, U) == 0
    assert await ledger.held(G, U) == 30
