"""The repositories return domain objects on real SQLite and PostgreSQL: typed fields, aware UTC
datetimes and ``str`` enum states — never rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.generation.job import DeliveryState, Job, JobState
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Asset, PendingUpload, Session, SessionState
from storage.db import Database
from storage.ledger import LedgerEntry, LedgerRepository
from storage.moderation import AuditEntry, AuditRepository, Ban, BanRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


G, C, U = 10, 20, 30


async def _open(repo: SessionRepository) -> int:
    return await repo.create(
        guild_id=G, channel_id=C, user_id=U, prompt="a red kite over the dunes", duration_s=5,
        ratio="16:9", resolution="480p", generate_audio=False, now=NOW,
    )  # fmt: skip


async def test_sessions_come_back_as_sessions_with_their_assets(
    db: Database, tmp_path: Path
) -> None:
    repo = SessionRepository(db)
    session_id = await _open(repo)
    asset_id = await repo.add_asset(
        session_id=session_id, now=NOW, kind="image", role="character",
        path=str(tmp_path / "a.png"), filename="kite.png", sha256="ab" * 32, format="png",
        size_bytes=1234, width=800, height=600, duration_s=None, has_audio=False,
        face_flag="none",
    )  # fmt: skip
    await repo.update(session_id, NOW + timedelta(minutes=3), state=SessionState.GENERATING)

    session = await repo.get(session_id)
    assert isinstance(session, Session)
    assert session.state is SessionState.GENERATING and session.state == "generating"
    assert session.created_at == NOW and session.created_at.tzinfo is not None
    assert session.updated_at - session.created_at == timedelta(minutes=3)
    (asset,) = session.assets
    assert isinstance(asset, Asset) and asset.id == asset_id
    assert (asset.tag, asset.path, asset.width) == ("@image1", tmp_path / "a.png", 800)
    assert await repo.find_open(G, C, U) == session
    assert await repo.asset_by_sha256(session_id, "ab" * 32) == asset
    assert await repo.get(session_id + 1) is None
    assert await repo.asset(asset_id + 1) is None


async def test_idle_sessions_and_kept_uploads_are_typed(db: Database, tmp_path: Path) -> None:
    repo = SessionRepository(db)
    session_id = await _open(repo)
    (idle,) = await repo.idle_before(NOW + timedelta(hours=1))
    assert idle.id == session_id and idle.state is SessionState.OPEN
    assert await repo.idle_before(NOW) == []
    pending_id = await repo.add_pending(
        session_id, U, str(tmp_path / "long.mp4"), "long.mp4", "[]", NOW
    )
    pending = await repo.pending(pending_id)
    assert pending == PendingUpload(pending_id, session_id, U, str(tmp_path / "long.mp4"),
                                    "long.mp4", "[]")  # fmt: skip


async def test_jobs_come_back_as_jobs(db: Database) -> None:
    session_id = await _open(SessionRepository(db))
    ledger = LedgerRepository(db)
    await ledger.grant(G, U, 100, "start", "starting allowance", NOW)
    request = compile_request(make_session(prompt="a red kite"), "tags", DEFAULT_LIMITS)
    outcome = await ledger.create_job_with_hold(
        session_id=session_id, guild_id=G, channel_id=C, user_id=U, provider="preview",
        request_json=request_to_json(request), price=12, now=NOW,
        deadline_at=NOW + timedelta(minutes=10),
    )  # fmt: skip
    assert outcome.job_id is not None
    job = await ledger.job(outcome.job_id)
    assert isinstance(job, Job) and job.request == request
    assert job.state is JobState.QUEUED and job.active
    assert job.delivery_state is DeliveryState.PENDING
    assert job.created_at == NOW and job.deadline_at == NOW + timedelta(minutes=10)
    assert await ledger.active_jobs(G) == [job] == await ledger.active_jobs()
    assert await ledger.active_job_of_session(session_id) == job

    await ledger.finish_job(job.id, "failed", NOW, error="provider said no")
    failed = await ledger.last_job_of_session(session_id)
    assert failed is not None and failed.state is JobState.FAILED and not failed.active
    assert failed.error == "provider said no"
    assert await ledger.undelivered() == [failed]
    assert await ledger.active_job_of_session(session_id) is None

    entries = await ledger.entries(G, U)
    assert all(isinstance(e, LedgerEntry) for e in entries)
    assert [(e.kind, e.delta, e.job_id) for e in entries] == [
        ("release", 12, job.id), ("hold", -12, job.id), ("grant", 100, None),
    ]  # fmt: skip
    assert entries[0].created_at == NOW and entries[0].created_at.utcoffset() == timedelta(0)


async def test_bans_and_audit_entries_are_typed(db: Database) -> None:
    bans, audit = BanRepository(db), AuditRepository(db)
    until = NOW + timedelta(days=1)
    await bans.ban(G, U, 99, "spam", NOW, until)
    assert await bans.active(G, U, NOW) == Ban(G, U, 99, "spam", NOW, until)
    assert await bans.active(G, U, until) is None  # expired by then
    entry_id = await audit.record(G, 99, "members.ban", U, "until tomorrow", "spam", NOW)
    (entry,) = await audit.latest(G)
    assert entry == AuditEntry(entry_id, G, 99, "members.ban", U, "until tomorrow", "spam", NOW)
    assert entry.line().startswith("2026-11-25 12:00 <@99> **members.ban** → <@30>")
