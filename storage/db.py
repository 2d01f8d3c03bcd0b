"""The SQLite database: numbered SQL migrations, and each transaction as one step on the
database's own thread.

The interface the repositories use (a PostgreSQL backend would offer the same one):

- ``await db.write(body)`` runs ``body(conn)`` as one write transaction on the writer
  thread: ``BEGIN IMMEDIATE``, the body, ``COMMIT``; ``ROLLBACK`` when the body raises,
  and the exception propagates. The one writer thread serialises writes in this process;
  SQLite's write lock serialises them across processes sharing the file (waited for up to
  :data:`BUSY_TIMEOUT_S`).
- ``await db.read(body)`` runs ``body(conn)`` in one read transaction (a consistent
  snapshot) on the reader thread; :meth:`Database.fetchone` and :meth:`Database.fetchall`
  run a single query. In WAL mode reads never wait for writes, so the reader has its own
  connection and thread and does not queue behind the writer.
- Inside a body, :func:`one`, :func:`rows`, :func:`scalar`, :func:`execute` and
  :func:`insert` run statements; they hold the dialect's bits (``?`` placeholders, how a new
  row's id is read, :data:`IntegrityError`).
- :attr:`Database.round_trips` and :attr:`Database.writes` count hops to a database thread
  and write transactions (tests bound the work behind an interaction with them).

A body is a plain synchronous function: SQL and a little arithmetic, no awaiting, no I/O
beyond the database, since every other transaction of its kind waits for it. No lock is
held across event-loop hops: a transaction is one hop. A caller cancelled while waiting
does not cancel its transaction: it either never starts or runs to its COMMIT or ROLLBACK.

Durability: WAL with ``synchronous=NORMAL`` (the default here). A committed transaction
survives the process crashing or being killed; on power loss or an OS crash the last
transactions before the latest WAL checkpoint may be lost, but the file never corrupts and
each transaction is lost whole — a hold never without its job, a capture never without
its job's final state. The effect is a short rewind: a job the member just started may
vanish with its hold (nothing is charged for it). ``synchronous="FULL"`` fsyncs every
commit instead (no rewind, at the price of one fsync per write: ``bench/ledger.py`` prints
both rates).

Migrations are the files ``storage/migrations/NNNN_name.sql``, applied in order, each in
one transaction; the schema version is SQLite's ``PRAGMA user_version``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

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
    "insert",
    "migrations",
    "one",
    "rows",
    "scalar",
    "utcnow",
]

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

IntegrityError = sqlite3.IntegrityError
"""Raised by a statement that breaks a UNIQUE, CHECK or foreign-key constraint."""
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


def one(conn: Connection, sql: str, params: Params = ()) -> Row | None:
    """The first row of a query as a column → value dict, or ``None``."""
    row = conn.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def rows(conn: Connection, sql: str, params: Params = ()) -> list[Row]:
    """Every row of a query, as column → value dicts."""
    return [dict(row) for row in conn.execute(sql, params).fetchall()]


def scalar(conn: Connection, sql: str, params: Params = ()) -> Any:
    """The first column of the first row of a query, or ``None`` when it has no row."""
    row = conn.execute(sql, params).fetchone()
    return row[0] if row is not None else None


def execute(conn: Connection, sql: str, params: Params = ()) -> int:
    """Run an INSERT, UPDATE or DELETE; return how many rows it changed."""
    return int(conn.execute(sql, params).rowcount)


def insert(conn: Connection, sql: str, params: Params = ()) -> int:
    """Run an INSERT of one row; return the new row's id."""
    return int(conn.execute(sql, params).lastrowid or 0)


# The database ------------------------------------------------------------------------------


class Database:
    """An open database. Create with :meth:`open`; close with :meth:`close`.

    Attributes:
        path: the SQLite file.
        round_trips: hops to a database thread so far (each read, fetch or write is one).
        writes: write transactions asked for so far (committed or rolled back).
    """

    def __init__(self, path: Path, separate_reader: bool) -> None:
        self.path = path
        self.round_trips = 0
        self.writes = 0
        self._writer = Worker("db-writer")
        self._reader = Worker("db-reader") if separate_reader else self._writer
        self._closed = False

    @classmethod
    async def open(
        cls, path: Path, *, synchronous: Synchronous = "NORMAL", separate_reader: bool = True
    ) -> Database:
        """Open (creating it if needed, mode 0600) and migrate the database at ``path``.

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
        """Run ``body(conn)`` as one write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``,
        ``ROLLBACK`` if it raises) in one hop to the writer thread; return its result.

        Raises:
            Whatever ``body`` raises (after the rollback). sqlite3.OperationalError:
            another process held the write lock longer than :data:`BUSY_TIMEOUT_S`.
            DatabaseClosed: after :meth:`close`.
        """
        self._check_open()
        self.writes += 1
        return await self._writer.write(body)

    async def read(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` in one read transaction (one snapshot) in one hop to the
        reader thread; return its result. The body must not write (the reader is
        ``query_only``)."""
        self._check_open()
        reader = self._reader
        return await reader.call(lambda: reader.run(read_transaction(body)))

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

    async def migrate(self) -> int:
        """Apply pending migrations, each in one write transaction; return the schema
        version reached."""
        writer = self._writer
        current = int(await writer.call(lambda: writer.run(_user_version)))
        for version, name, sql in migrations():
            if version <= current:
                continue
            log.info("applying migration %s", name)
            await self.write(functools.partial(_apply, sql=sql, version=version))
            current = version
        return current


def _user_version(conn: Connection) -> int:
    return int(scalar(conn, "PRAGMA user_version") or 0)


def _apply(conn: Connection, sql: str, version: int) -> None:
    if _user_version(conn) >= version:  # another process sharing the file applied it
        return
    for statement in _statements(sql):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version={version:d}")


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (no semicolons inside strings in our files)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]
