"""The database: SQLite (the default) or PostgreSQL, chosen by a URL; numbered SQL
migrations; and each transaction as one step on the database's own thread.

:meth:`Database.open_url` takes ``sqlite:///path/to/file`` (``sqlite:///relative`` or
``sqlite:////absolute``) or ``postgresql://user:password@host/dbname`` (``DATABASE_URL``).
Both back ends offer the one interface the repositories use:

- ``await db.write(body)`` runs ``body(conn)`` as one write transaction on the writer
  thread: ``BEGIN`` (SQLite: ``BEGIN IMMEDIATE``), the body, ``COMMIT``; ``ROLLBACK`` when
  the body raises, and the exception propagates. The one writer thread serialises writes in
  this process. Across processes, SQLite's write lock serialises them (waited for up to
  :data:`BUSY_TIMEOUT_S`); PostgreSQL runs them side by side at read committed, so a body
  that reads before it writes takes a lock first: the ledger's :func:`lock_member`.
- ``await db.read(body)`` runs ``body(conn)`` in one read transaction (a consistent
  snapshot; PostgreSQL: repeatable read) on the reader thread; :meth:`Database.fetchone` and
  :meth:`Database.fetchall` run a single query. The reader has its own connection and
  thread and does not queue behind the writer.
- Inside a body, :func:`one`, :func:`rows`, :func:`scalar`, :func:`execute` and
  :func:`insert` run statements; they hold the dialect's bits (``?`` placeholders become
  psycopg's ``%s``, a new row's id is ``lastrowid`` or ``RETURNING id``,
  :data:`IntegrityError` is either driver's).
- :attr:`Database.round_trips` and :attr:`Database.writes` count hops to a database thread
  and write transactions (tests bound the work behind an interaction with them).

A body is a plain synchronous function: SQL and a little arithmetic, no awaiting, no I/O
beyond the database, since every other transaction of its kind waits for it. No lock is
held across event-loop hops: a transaction is one hop. A caller cancelled while waiting
does not cancel its transaction: it either never starts or runs to its COMMIT or ROLLBACK.
PostgreSQL keeps this design with psycopg 3's synchronous connection on the same threads
(storage/postgres.py says why not asyncpg).

Durability (SQLite): WAL with ``synchronous=NORMAL`` (the default here). A committed
transaction survives the process crashing or being killed; on power loss or an OS crash the
last transactions before the latest WAL checkpoint may be lost, but the file never corrupts
and each transaction is lost whole — a hold never without its job, a capture never without
its job's final state. The effect is a short rewind: a job the member just started may
vanish with its hold (nothing is charged for it). ``synchronous="FULL"`` fsyncs every
commit instead (no rewind, at the price of one fsync per write: ``bench/ledger.py`` prints
both rates). PostgreSQL's durability is the server's (``synchronous_commit``).

Migrations are the files ``storage/migrations/NNNN_name.sql``, applied in order, each in
one transaction with its row in ``schema_migrations``. They are written in SQLite's type
names, which PostgreSQL gets mapped (:func:`storage.postgres.migration_sql`: identity ids,
``BIGINT`` snowflakes, ``DOUBLE PRECISION``); times are ISO-8601 text on both (UTC, from
``datetime.isoformat``, so they compare as text). A SQLite file from before the table took
its version from ``PRAGMA user_version``, which is still kept up to date.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import psycopg

from storage import postgres
from storage.sqlite_thread import (
    BUSY_TIMEOUT_S,
    Connection,
    DatabaseClosed,
    Synchronous,
    Worker,
    read_transaction,
)

__all__ = [
    "BUSY_TIMEOUT_S",
    "Connection",
    "Database",
    "DatabaseClosed",
    "IntegrityError",
    "Row",
    "Synchronous",
    "execute",
    "for_update",
    "insert",
    "lock_member",
    "migrations",
    "notify_jobs",
    "one",
    "poke_job",
    "rows",
    "scalar",
    "utcnow",
]

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
"""What a statement that breaks a UNIQUE, CHECK or foreign-key constraint raises (either
back end's; catch it with ``except IntegrityError``)."""
Row = dict[str, Any]
Params = tuple[object, ...] | list[object]
T = TypeVar("T")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def migrations() -> list[tuple[int, str, str]]:
    """``(version, filename, sql)`` for every migration file, in version order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


# Statement helpers, for use inside a body -------------------------------------------------


def _run(conn: Connection, sql: str, params: Params) -> Any:
    """The cursor of one statement, its placeholders fitted to the back end."""
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql, params)
    return conn.execute(postgres.placeholders(sql), params)


def _dict(cursor: Any, row: Any) -> Row:
    if isinstance(row, sqlite3.Row):
        return dict(row)
    return {column.name: value for column, value in zip(cursor.description, row, strict=True)}


def one(conn: Connection, sql: str, params: Params = ()) -> Row | None:
    """The first row of a query as a column → value dict, or ``None``."""
    cursor = _run(conn, sql, params)
    row = cursor.fetchone()
    return _dict(cursor, row) if row is not None else None


def rows(conn: Connection, sql: str, params: Params = ()) -> list[Row]:
    """Every row of a query, as column → value dicts."""
    cursor = _run(conn, sql, params)
    return [_dict(cursor, row) for row in cursor.fetchall()]


def scalar(conn: Connection, sql: str, params: Params = ()) -> Any:
    """The first column of the first row of a query, or ``None`` when it has no row."""
    row = _run(conn, sql, params).fetchone()
    return row[0] if row is not None else None


def execute(conn: Connection, sql: str, params: Params = ()) -> int:
    """Run an INSERT, UPDATE or DELETE; return how many rows it changed."""
    return int(_run(conn, sql, params).rowcount)


def insert(conn: Connection, sql: str, params: Params = ()) -> int:
    """Run an INSERT of one row into a table with an ``id`` column; return the new row's
    id."""
    if isinstance(conn, sqlite3.Connection):
        return int(conn.execute(sql, params).lastrowid or 0)
    row = _run(conn, sql + " RETURNING id", params).fetchone()
    return int(row[0])


def lock_member(conn: Connection, guild_id: int, user_id: int) -> None:
    """Make the member's ledger reads and writes in this write transaction atomic against
    every other transaction doing the same: call it before the first read. SQLite's
    ``BEGIN IMMEDIATE`` already took the database's one write lock; PostgreSQL takes a
    per-member lock held to the transaction's end (:func:`storage.postgres.lock_member`)."""
    if not isinstance(conn, sqlite3.Connection):
        postgres.lock_member(conn, guild_id, user_id)


def for_update(conn: Connection) -> str:
    """The clause that makes a ``SELECT`` in a write transaction lock the rows it reads
    until the transaction ends, so a read-then-write on them is a compare-and-set against
    every other transaction: `` FOR UPDATE`` on PostgreSQL (a second transaction reading
    the row waits, then reads what the first committed); nothing on SQLite, whose
    ``BEGIN IMMEDIATE`` already holds the database's one write lock."""
    return "" if isinstance(conn, sqlite3.Connection) else " FOR UPDATE"


def notify_jobs(conn: Connection) -> None:
    """Wake the runners of every process sharing the database once this write transaction
    commits (a job was queued or ended): PostgreSQL's ``NOTIFY``
    (:meth:`Database.listen_jobs`); nothing on SQLite, whose runners find it at their next
    pass."""
    if not isinstance(conn, sqlite3.Connection):
        postgres.notify_jobs(conn)


def poke_job(conn: Connection, job_id: int, states: tuple[str, ...]) -> bool:
    """Ask the runner driving job ``job_id``, in whichever process, to poll it now once this
    write transaction commits, if the job is in one of ``states``; return whether it is.
    PostgreSQL: a ``NOTIFY`` naming the job (:meth:`Database.listen_jobs`' ``poke``).
    SQLite: ``False``, nothing sent (no other process listens; the job's fallback poll
    finds the outcome)."""
    if isinstance(conn, sqlite3.Connection):
        return False
    return postgres.poke_job(conn, job_id, states)


# The database ------------------------------------------------------------------------------


class Database:
    """An open database. Create with :meth:`open_url` (or :meth:`open` for a SQLite file);
    close with :meth:`close`.

    Attributes:
        path: the SQLite file (``None`` on PostgreSQL).
        dialect: ``"sqlite"`` or ``"postgresql"``.
        round_trips: hops to a database thread so far (each read, fetch or write is one).
        writes: write transactions asked for so far (committed or rolled back).
    """

    def __init__(self, path: Path | None, separate_reader: bool) -> None:
        self.path = path
        self.dialect = "sqlite" if path is not None else "postgresql"
        self.url: str | None = None  # PostgreSQL's, for listening
        self.round_trips = 0
        self.writes = 0
        self._writer = Worker("db-writer")
        self._reader = Worker("db-reader") if separate_reader else self._writer
        self._closed = False

    @classmethod
    async def open_url(cls, url: str) -> Database:
        """Open and migrate the database ``url`` names: ``sqlite:///file`` (see :meth:`open`)
        or ``postgresql://…`` (``postgres://`` too; any libpq URL or its query options).

        Raises:
            ValueError: the URL names neither back end.
            sqlite3.Error, psycopg.Error: the database cannot be opened or a migration
                fails (nothing stays open).
        """
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
                raise ValueError("a SQLite URL is sqlite:///relative/file or sqlite:////abs/file")
            return await cls.open(Path(unquote(url.removeprefix("sqlite:///"))))
        if scheme in ("postgresql", "postgres"):
            return await cls._open_postgres(url)
        raise ValueError(f"a database URL starts sqlite:/// or postgresql:// (not {scheme!r})")

    @classmethod
    async def _open_postgres(cls, url: str) -> Database:
        db = cls(None, separate_reader=True)
        db.url = url
        writer, reader = db._writer, db._reader

        def attach(worker: Worker, writer: bool) -> None:
            connect = functools.partial(postgres.connect, url, writer=writer)
            worker.attach(connect, postgres.BEGIN_WRITE, postgres.BEGIN_READ)

        try:
            await writer.call(lambda: attach(writer, True))
            await db.migrate()
            await reader.call(lambda: attach(reader, False))
        except BaseException:
            await db.close()
            raise
        return db

    @classmethod
    async def open(
        cls, path: Path, *, synchronous: Synchronous = "NORMAL", separate_reader: bool = True
    ) -> Database:
        """Open (creating it if needed, mode 0600) and migrate the SQLite database at
        ``path``.

        Args:
            synchronous: ``NORMAL`` or ``FULL`` (see the module docstring on durability).
            separate_reader: reads on a second connection and thread (the default); with
                ``False`` they share the writer's (``bench/ledger.py`` compares both).

        Raises:
            sqlite3.Error: the file cannot be opened or a migration fails (nothing stays open).
        """
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Readable by the bot's user only; SQLite gives its -wal and -shm files the
        # database file's mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            try:
                path.chmod(0o600)
            except OSError:
                log.warning("the database %s is readable by others; it is not ours to change", path)
        db = cls(path, separate_reader)
        writer, reader = db._writer, db._reader
        try:
            await writer.call(lambda: writer.connect(path, synchronous, writer=True))
            await db.migrate()
            if reader is not writer:
                await reader.call(lambda: reader.connect(path, synchronous, writer=False))
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connections once the work already queued has run; later calls raise
        :class:`DatabaseClosed`. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        for worker in {id(w): w for w in (self._reader, self._writer)}.values():
            await worker.call(worker.close)
            worker.stop()

    def _check_open(self) -> None:
        if self._closed:
            raise DatabaseClosed("the database is closed")
        self.round_trips += 1

    async def write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` as one write transaction (``BEGIN`` … ``COMMIT``, ``ROLLBACK``
        if it raises) in one hop to the writer thread; return its result.

        Raises:
            Whatever ``body`` raises (after the rollback). sqlite3.OperationalError:
            another process held the write lock longer than :data:`BUSY_TIMEOUT_S`.
            psycopg.OperationalError: the server went away. DatabaseClosed: after
            :meth:`close`.
        """
        self._check_open()
        self.writes += 1
        return await self._writer.write(body)

    async def read(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` in one read transaction (one snapshot) in one hop to the
        reader thread; return its result. The body must not write (the reader refuses)."""
        self._check_open()
        reader = self._reader
        return await reader.call(lambda: reader.run(read_transaction(body, reader.begin_read)))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows of one read query, as column → value dicts (one hop)."""
        self._check_open()
        reader = self._reader
        return await reader.call(lambda: reader.run(lambda c: rows(c, sql, params)))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of one read query as a column → value dict, or ``None`` (one hop)."""
        self._check_open()
        reader = self._reader
        return await reader.call(lambda: reader.run(lambda c: one(c, sql, params)))

    async def listen_jobs(
        self, wake: Callable[[], None], poke: Callable[[int], object] | None = None
    ) -> Callable[[], Awaitable[None]] | None:
        """On PostgreSQL, call ``wake`` on this event loop whenever a transaction that called
        :func:`notify_jobs` commits, and ``poke(job_id)`` whenever one that called
        :func:`poke_job` does, in any process, from the time this returns (or, if the
        server can't be reached, once it can); return the coroutine function that stops
        listening. ``None`` on SQLite (nothing to listen to)."""
        if self.url is None:
            return None
        loop = asyncio.get_running_loop()

        def threadsafe_wake() -> None:
            loop.call_soon_threadsafe(wake)

        def threadsafe_poke(job_id: int) -> None:
            if poke is not None:
                loop.call_soon_threadsafe(poke, job_id)

        listener = postgres.JobsListener(self.url, threadsafe_wake, poke=threadsafe_poke)
        try:
            await asyncio.to_thread(listener.listening.wait)
        except BaseException:  # cancelled meanwhile: nobody will stop it later
            listener.stop()
            raise

        async def stop() -> None:
            await asyncio.to_thread(listener.close)

        return stop

    async def migrate(self) -> int:
        """Apply pending migrations, each in one write transaction; return the schema
        version reached. Processes sharing the database may migrate at once: each
        migration's transaction takes a lock and skips a version already applied."""
        current = await self.write(_start_migrations)
        for version, name, sql in migrations():
            if version <= current:
                continue
            log.info("applying migration %s", name)
            await self.write(functools.partial(_apply, sql=sql, version=version, name=name))
            current = version
        return current


_MIGRATIONS_LOCK = 0x63616C6C  # the advisory lock migrations take on PostgreSQL


def _lock_migrations(conn: Connection) -> None:
    if not isinstance(conn, sqlite3.Connection):  # SQLite: BEGIN IMMEDIATE did
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATIONS_LOCK,))


def _start_migrations(conn: Connection) -> int:
    """Create ``schema_migrations`` if missing (a SQLite file from before it: one row per
    version its ``user_version`` counts); return the latest version applied."""
    _lock_migrations(conn)
    if isinstance(conn, sqlite3.Connection):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        older = int(scalar(conn, "PRAGMA user_version") or 0)
        known = {version: name for version, name, _ in migrations()}
        conn.executemany(
            "INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            [(v, known.get(v, ""), utcnow().isoformat()) for v in range(1, older + 1)],
        )
    else:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
    return _version(conn)


def _version(conn: Connection) -> int:
    return int(scalar(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


def _apply(conn: Connection, sql: str, version: int, name: str) -> None:
    _lock_migrations(conn)
    if _version(conn) >= version:  # another process sharing the database applied it
        return
    if isinstance(conn, sqlite3.Connection):
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={version:d}")  # what older releases read
    else:
        for statement in _statements(postgres.migration_sql(sql)):
            conn.execute(statement)
    execute(
        conn,
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (version, name, utcnow().isoformat()),
    )


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (no semicolons inside strings in our files)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]
