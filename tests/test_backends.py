"""The two back ends behind one interface (storage/db.py): chosen by URL, the same schema
from the same migrations (64-bit snowflakes, identity ids), SQLite files from before the
migrations table migrating forward, and the ledger atomic across connections — several
Database objects on one database, each with its own connections and threads, so on
PostgreSQL their transactions really run side by side."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psycopg
import pytest

from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.settings import Settings
from storage.db import Connection, Database, execute, insert, migrations, scalar
from storage.history import HistoryRepository
from storage.ledger import LedgerRepository
from storage.moderation import AuditRepository, GuildConfigRepository
from storage.offers import OfferRepository
from storage.postgres import migration_sql, placeholders
from storage.retention import EndedSession, RetentionRepository
from storage.sessions import SessionRepository
from storage.storyboards import StoryboardRepository
from tests.conftest import NOW, make_session

SNOWFLAKE = 1234567890123456789  # a Discord id: past 2**31 and 2**53
G, U = SNOWFLAKE, SNOWFLAKE + 1


@pytest.fixture
def db(both_db: Database) -> Database:
    """These tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for a migrated database on each back end (one SQLite file; a PostgreSQL
    database of its own), for tests that open it more than once."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/shared.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


async def _sessions(db: Database, count: int) -> list[int]:
    repo = SessionRepository(db)
    return [
        await repo.create(
            guild_id=G, channel_id=SNOWFLAKE + 10 + i, user_id=U, prompt="", duration_s=5,
            ratio="16:9", resolution="720p", generate_audio=True, now=NOW,
        )
        for i in range(count)
    ]  # fmt: skip


async def _hold(db: Database, session_id: int, price: int) -> int | None:
    outcome = await LedgerRepository(db).create_job_with_hold(
        session_id=session_id, guild_id=G, channel_id=SNOWFLAKE, user_id=U, provider="preview",
        request_json="{}", price=price, now=NOW,
    )  # fmt: skip
    return outcome.job_id if outcome.created else None


async def test_snowflakes_and_ids_round_trip(db: Database) -> None:
    session_id = (await _sessions(db, 1))[0]
    session = await SessionRepository(db).get(session_id)
    assert session is not None
    assert (session.guild_id, session.user_id) == (G, U)  # 64 bits kept whole

    def two(conn: Connection) -> tuple[int, int]:
        sql = "INSERT INTO audit_log (guild_id, actor_id, action, created_at) VALUES (?, ?, ?, ?)"
        return (
            insert(conn, sql, (G, U, "first", NOW.isoformat())),
            insert(conn, sql, (G, U, "second", NOW.isoformat())),
        )

    first, second = await db.write(two)
    assert second == first + 1  # the database numbered them (rowid / identity)
    assert await db.fetchone("SELECT action FROM audit_log WHERE id = ?", (second,)) == {
        "action": "second"
    }


async def test_a_literal_percent_sign_and_placeholders_mix(db: Database) -> None:
    row = await db.fetchone("SELECT '100%' || ? AS text, ? + 1 AS number", ("?%s", 41))
    assert row == {"text": "100%?%s", "number": 42}


async def test_sums_come_back_as_ints_and_flags_as_ints(db: Database) -> None:
    ledger = LedgerRepository(db)
    for n in range(3):
        await ledger.grant(G, U, 7, f"grant-{n}", "", NOW)
    total = await db.read(lambda c: scalar(c, "SELECT SUM(amount) FROM ledger"))
    assert total == 21 and isinstance(total, int)
    flag = await db.write(
        lambda c: execute(
            c,
            "INSERT INTO member_settings (guild_id, user_id, notify_dm) VALUES (?, ?, ?)",
            (G, U, True),
        )
    )
    assert flag == 1
    assert await db.fetchone("SELECT notify_dm FROM member_settings") == {"notify_dm": 1}


async def test_every_migration_is_recorded_once(db: Database) -> None:
    applied = await db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in applied] == [(v, n) for v, n, _ in migrations()]
    assert await db.migrate() == migrations()[-1][0]  # nothing left to apply
    assert len(await db.fetchall("SELECT version FROM schema_migrations")) == len(migrations())


async def test_processes_opening_a_new_database_at_once_migrate_it_once(url: str) -> None:
    if url.startswith("postgresql"):  # an empty database, not the migrated template's copy
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    opened = await asyncio.gather(*(Database.open_url(url) for _ in range(3)))
    try:
        versions = await opened[0].fetchall("SELECT version FROM schema_migrations")
        assert sorted(r["version"] for r in versions) == [v for v, _, _ in migrations()]
    finally:
        for database in opened:
            await database.close()


async def test_postgresql_gets_bigint_snowflakes_identity_ids_and_doubles(
    postgres_url: str,
) -> None:
    database = await Database.open_url(postgres_url)
    try:
        columns = await database.fetchall(
            "SELECT table_name, column_name, data_type, is_identity"
            " FROM information_schema.columns WHERE table_schema = 'public'"
        )
    finally:
        await database.close()
    kinds = {(c["table_name"], c["column_name"]): c for c in columns}
    assert kinds["sessions", "guild_id"]["data_type"] == "bigint"
    assert kinds["jobs", "delivery_message_id"]["data_type"] == "bigint"
    assert kinds["jobs", "progress"]["data_type"] == "double precision"
    assert kinds["ledger", "id"]["is_identity"] == "YES"
    assert kinds["guild_config", "guild_id"]["is_identity"] == "NO"  # a snowflake key
    assert {c["data_type"] for c in columns} <= {"bigint", "text", "double precision"}


def test_migration_sql_maps_only_type_names() -> None:
    sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, x REAL, note TEXT)"
    assert migration_sql(sql) == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " n BIGINT NOT NULL, x DOUBLE PRECISION, note TEXT)"
    )
    assert placeholders("SELECT ? WHERE a LIKE '5%'") == "SELECT %s WHERE a LIKE '5%%'"


async def test_a_sqlite_file_from_before_the_migrations_table_migrates_forward(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:  # what the previous release left: user_version only
        for version, _, sql in migrations()[:5]:
            old.executescript(sql)
            old.execute(f"PRAGMA user_version={version}")
        old.execute(
            "INSERT INTO ledger (guild_id, user_id, kind, amount, delta, idempotency_key,"
            " created_at) VALUES (?, ?, 'grant', 40, 40, 'start', ?)",
            (G, U, NOW.isoformat()),
        )
    old.close()
    database = await Database.open_url(f"sqlite:///{path}")
    try:
        assert await LedgerRepository(database).available(G, U) == 40  # 0007's running sums
        recorded = await database.fetchall("SELECT version FROM schema_migrations")
        assert [r["version"] for r in recorded] == [v for v, _, _ in migrations()]
        assert await database.fetchone("PRAGMA user_version") == {
            "user_version": migrations()[-1][0]
        }  # older releases still read where it stands
    finally:
        await database.close()


def test_database_url_picks_the_back_end_and_sqlite_stays_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    plain = Settings(discord_token="t", data_dir=tmp_path, _env_file=None)
    assert plain.database == f"sqlite:///{tmp_path}/callsheet.sqlite3"
    url = "postgresql://callsheet:s3cret@db:5432/callsheet"
    monkeypatch.setenv("DATABASE_URL", url)
    chosen = Settings(discord_token="t", data_dir=tmp_path, _env_file=None)
    assert chosen.database == url
    assert "s3cret" not in repr(chosen)  # the password is a secret


@pytest.mark.parametrize(
    "bad", ["mysql://host/db", "sqlite:///", "sqlite://relative.db", "data/callsheet.sqlite3"]
)
async def test_a_url_naming_no_back_end_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///"):
        await Database.open_url(bad)


async def test_a_postgresql_server_that_is_not_there_fails_the_open(tmp_path: Path) -> None:
    with pytest.raises(psycopg.OperationalError):
        await Database.open_url(f"postgresql://nobody@/none?host={tmp_path}&connect_timeout=2")


async def test_two_holds_at_once_on_one_balance_make_one_job(url: str) -> None:
    first, second = await Database.open_url(url), await Database.open_url(url)
    try:
        await LedgerRepository(first).grant(G, U, 10, "start", "", NOW)
        a, b = await _sessions(first, 2)
        made = await asyncio.gather(_hold(first, a, 10), _hold(second, b, 10))
        assert sum(job is not None for job in made) == 1
        assert await LedgerRepository(second).available(G, U) == 0
    finally:
        await first.close()
        await second.close()


async def test_a_hundred_holds_from_four_connections_make_exactly_what_the_balance_pays(
    url: str,
) -> None:
    opened = [await Database.open_url(url) for _ in range(4)]
    try:
        await LedgerRepository(opened[0]).grant(G, U, 37 * 10, "start", "", NOW)
        sessions = await _sessions(opened[0], 100)
        made = await asyncio.gather(*(_hold(opened[i % 4], s, 10) for i, s in enumerate(sessions)))
        assert sum(job is not None for job in made) == 37
        ledger = LedgerRepository(opened[1])
        assert (await ledger.available(G, U), await ledger.held(G, U)) == (0, 370)
        entries = await opened[2].fetchone(
            "SELECT COUNT(*) AS holds, SUM(delta) AS delta FROM ledger WHERE kind = 'hold'"
        )
        assert entries == {"holds": 37, "delta": -370}
    finally:
        for database in opened:
            await database.close()


def _holds_in_a_process(
    url: str, sessions: list[int], start: Barrier, made: multiprocessing.Queue[int]
) -> None:
    """One process of the test below: open the database, wait for the others, hold."""

    async def run() -> int:
        database = await Database.open_url(url)
        try:
            start.wait(timeout=120)  # every process connected: now all at once
            jobs = await asyncio.gather(*(_hold(database, s, 10) for s in sessions))
        finally:
            await database.close()
        return sum(job is not None for job in jobs)

    made.put(asyncio.run(run()))


async def test_a_hundred_holds_from_four_processes_make_exactly_what_the_balance_pays(
    url: str,
) -> None:
    setup = await Database.open_url(url)
    try:
        await LedgerRepository(setup).grant(G, U, 37 * 10, "start", "", NOW)
        sessions = await _sessions(setup, 100)
    finally:
        await setup.close()
    context = multiprocessing.get_context("spawn")  # no fork of this threaded process
    start, made = context.Barrier(4), context.Queue()
    processes = [
        context.Process(target=_holds_in_a_process, args=(url, sessions[i::4], start, made))
        for i in range(4)
    ]
    for process in processes:
        process.start()
    counts = await asyncio.to_thread(lambda: [made.get(timeout=300) for _ in processes])
    for process in processes:
        await asyncio.to_thread(process.join, 60)
        assert process.exitcode == 0
    assert sum(counts) == 37
    check = await Database.open_url(url)
    try:
        ledger = LedgerRepository(check)
        assert (await ledger.available(G, U), await ledger.held(G, U)) == (0, 370)
    finally:
        await check.close()


async def test_refills_racing_a_hold_never_pass_the_cap(url: str) -> None:
    opened = [await Database.open_url(url) for _ in range(3)]
    try:
        ledger = [LedgerRepository(d) for d in opened]
        await ledger[0].grant(G, U, 5, "start", "", NOW)
        added = await asyncio.gather(
            *(ledger[i % 3].refill(G, U, 10, 12, f"refill-{i}", NOW) for i in range(9))
        )
        assert sum(a or 0 for a in added) == 7  # up to the cap of 12, never past it
        assert await ledger[1].available(G, U) == 12
    finally:
        for database in opened:
            await database.close()


HOSTILE = "\u202e@everyone <@1> **b** `c` Z̸̢a̷ 🎬\u200b\x00'; DROP TABLE jobs; -- ? %s %% \\"


def _stored(db: Database, text: str) -> str:
    """``text`` as the back end keeps it: PostgreSQL's text holds no NUL (storage/postgres.py)."""
    return text if db.dialect == "sqlite" else text.replace("\x00", "\ufffd")


async def test_every_repository_reads_back_what_it_wrote(db: Database, tmp_path: Path) -> None:
    prompt = (HOSTILE * 200)[:4000]  # a modal's longest text field (Discord: 4,000)
    repo = SessionRepository(db)
    session_id = await repo.create(
        guild_id=G, channel_id=SNOWFLAKE, user_id=U, prompt=prompt, duration_s=5,
        ratio="16:9", resolution="720p", generate_audio=True, now=NOW,
    )  # fmt: skip
    session = await repo.get(session_id)
    assert session is not None and session.prompt == _stored(db, prompt)

    offers = OfferRepository(db)
    offer = await offers.create(
        guild_id=G, channel_id=SNOWFLAKE, user_id=U, session_id=session_id, kind="extend",
        parent_job_id=None, job_ids=(SNOWFLAKE, 2), request_json=HOSTILE, price=15, now=NOW,
    )  # fmt: skip
    got = await offers.get(offer)
    assert got is not None and got.job_ids == (SNOWFLAKE, 2)
    assert got.request_json == _stored(db, HOSTILE)
    assert (await offers.claim(offer, NOW), await offers.claim(offer, NOW)) == (True, False)
    await offers.set_notify_dm(G, U, True)
    assert await offers.notify_dm(G, U) is True
    await offers.set_notify_dm(G, U, False)  # the upsert's second write
    assert await offers.notify_dm(G, U) is False

    configs = GuildConfigRepository(db)
    await configs.put(G, '{"a": 1}', NOW)
    await configs.put(G, '{"a": 2}', NOW)
    assert await configs.get(G) == '{"a": 2}'

    audit = AuditRepository(db)
    await audit.record(G, U, "ban", SNOWFLAKE, HOSTILE, HOSTILE, NOW)
    (entry,) = await audit.latest(G)
    assert (entry.target_id, entry.reason) == (SNOWFLAKE, _stored(db, HOSTILE))

    history = HistoryRepository(db)
    request = request_to_json(compile_request(make_session(prompt="kite"), "tags", DEFAULT_LIMITS))
    first = await history.record_local(
        session_id=session_id, guild_id=G, channel_id=SNOWFLAKE, user_id=U, kind="stitch",
        request_json=request, result_key=str(tmp_path / "a.mp4"), duration_s=5, resolution="720p",
        model="standard", parent_job_id=0, now=NOW,
    )  # fmt: skip
    second = await history.record_local(
        session_id=session_id, guild_id=G, channel_id=SNOWFLAKE, user_id=U, kind="stitch",
        request_json=request, result_key=str(tmp_path / "b.mp4"), duration_s=5, resolution="720p",
        model="standard", parent_job_id=first, now=NOW + timedelta(days=40),
    )  # fmt: skip
    assert [j.id for j in await history.results(G, U, 0, 10)] == [second, first]
    assert await history.count_results(G, U) == 2
    assert [j.id for j in await history.recent(G, ("succeeded",), U, 1)] == [second]
    kept = await RetentionRepository(db).kept_jobs(NOW + timedelta(days=10))
    assert [j.id for j in kept] == [first, second]  # the second, and the first it builds on


async def test_a_lost_postgresql_connection_fails_its_call_and_the_next_one_reconnects(
    postgres_url: str,
) -> None:
    database = await Database.open_url(postgres_url)
    try:
        ledger = LedgerRepository(database)
        await ledger.grant(G, U, 5, "before", "", NOW)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # as a server restart
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid != pg_backend_pid()"
            ).fetchall()
        assert len(cut) == 2  # the writer's and the reader's
        with pytest.raises(psycopg.OperationalError):
            await ledger.grant(G, U, 5, "lost", "", NOW)
        with pytest.raises(psycopg.OperationalError):
            await ledger.available(G, U)
        assert await ledger.grant(G, U, 5, "after", "", NOW) is True
        assert await ledger.available(G, U) == 10  # the lost grant never happened
    finally:
        await database.close()


async def test_the_retention_sweep_finds_ended_sessions_with_their_storyboards(
    db: Database,
) -> None:
    """``sessions_ended_before`` on each back end: closed or expired sessions past the
    cutoff, each with the storyboard it backs (``None`` for a plain one); open or recent
    ones are not listed."""
    sessions, boards = SessionRepository(db), StoryboardRepository(db)
    made = []
    for channel, (state, at) in enumerate(
        (("closed", NOW), ("expired", NOW), ("open", NOW), ("closed", NOW + timedelta(days=40)))
    ):
        session_id = await sessions.create(
            guild_id=G, channel_id=SNOWFLAKE + channel, user_id=U, prompt="", duration_s=5,
            ratio="16:9", resolution="480p", generate_audio=True, now=at,
        )  # fmt: skip
        if state != "open":
            await sessions.update(session_id, at, state=state)
        made.append(session_id)
    board = await boards.create(made[1], G, SNOWFLAKE + 1, U, NOW)
    await boards.create(made[2], G, SNOWFLAKE + 2, U, NOW)  # open: never listed
    ended = await RetentionRepository(db).sessions_ended_before(NOW + timedelta(days=10))
    assert ended == [EndedSession(made[0], None), EndedSession(made[1], board)]
