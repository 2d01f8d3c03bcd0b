"""The database thread: one connection (sqlite3, or psycopg for PostgreSQL: see
storage/postgres.py) served on its own thread (storage/db.py is the interface; this is how a
transaction becomes one hop). A caller's coroutine waits on a future, so the event loop never
blocks and no lock is held across its hops.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import psycopg
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

Connection = sqlite3.Connection | psycopg.Connection[tuple[Any, ...]]
"""What a transaction body receives (use storage.db's statement helpers on it)."""
Synchronous = Literal["NORMAL", "FULL"]
T = TypeVar("T")

BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's write lock before failing (seconds)."""
_CACHED_STATEMENTS = 256  # prepared statements kept per connection (repositories use ~90)


class DatabaseClosed(RuntimeError):
    """The database was used after it was closed."""


def _is_locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


_MAX_BATCH = 64  # write transactions committed together at most (see Worker)


@dataclass
class _Call:
    """A queued call: ``fn()`` (kind ``call``), a write body ``fn(conn)`` (``write``), or the
    end of the queue (``stop``)."""

    kind: Literal["call", "write", "stop"]
    fn: Callable[..., Any]
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[Any] | None = None


class Worker:
    """One connection, used only on its own thread, which serves queued calls in order (the
    caller's coroutine waits on a future; the event loop never blocks).

    Write bodies found waiting together (a burst) run as one transaction, a group commit:
    each body in its own SAVEPOINT, so a body that raises is rolled back alone, and one
    COMMIT for all of them; each caller hears back only after that COMMIT. Bodies run one
    after another, so each sees the ones before it, exactly as if each had its own
    transaction; if the COMMIT fails every body of the group fails with its error.

    A write starts with :attr:`begin_write` (SQLite: ``BEGIN IMMEDIATE``, taking the file's
    write lock at once; PostgreSQL: ``BEGIN``, read committed, row and advisory locks doing
    the rest) and a read with :attr:`begin_read` (one snapshot).
    """

    def __init__(self, name: str) -> None:
        self.conn: Connection | None = None
        self.begin_write = "BEGIN IMMEDIATE"
        self.begin_read = "BEGIN"
        self._reconnect: Callable[[], Connection] | None = None
        self._queue: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``fn()`` on the thread."""
        return self._submit("call", fn)

    def write(self, body: Callable[[Connection], T]) -> asyncio.Future[T]:
        """Run ``body(conn)`` in a write transaction on the thread."""
        return self._submit("write", body)

    def stop(self) -> None:
        """End the thread once the calls already queued have run."""
        self._queue.put(_Call("stop", _nothing))

    def run(self, body: Callable[[Connection], T]) -> T:
        """``body(conn)``, on the thread; raises :class:`DatabaseClosed` once closed."""
        return body(self._connection())

    def connect(self, path: Path, synchronous: Synchronous, *, writer: bool) -> None:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,  # transactions are explicit (BEGIN … COMMIT)
            check_same_thread=True,
            cached_statements=_CACHED_STATEMENTS,
        )
        conn.row_factory = sqlite3.Row
        if writer:
            # Turning a new file to WAL takes its lock without SQLite's busy handler, so
            # processes opening one new database at once retry it for the busy timeout.
            for attempt in Retrying(
                retry=retry_if_exception(_is_locked),
                stop=stop_after_delay(BUSY_TIMEOUT_S),
                wait=wait_random_exponential(multiplier=0.005, max=0.1),
                reraise=True,
            ):
                with attempt:
                    conn.execute("PRAGMA journal_mode=WAL")
        else:
            conn.execute("PRAGMA query_only=ON")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        self.conn = conn

    def attach(self, connect: Callable[[], Connection], begin_write: str, begin_read: str) -> None:
        """Serve the connection ``connect()`` opens (in autocommit mode: transactions are
        explicit), and open another the same way when a call finds it broken (a server
        restart or a dropped link fails the calls that were using it, not the ones after)."""
        self._reconnect = connect
        self.conn, self.begin_write, self.begin_read = connect(), begin_write, begin_read

    def _connection(self) -> Connection:
        """The connection, opened again if it broke; raises :class:`DatabaseClosed` once
        closed, or the driver's error if it cannot be opened again."""
        if self.conn is None:
            raise DatabaseClosed("the database is closed")
        if self._reconnect is not None and getattr(self.conn, "broken", False):
            self.conn.close()
            self.conn = self._reconnect()
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _submit(self, kind: Literal["call", "write"], fn: Callable[..., T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Call(kind, fn, loop, future))
        return future

    def _serve(self) -> None:
        waiting: _Call | None = None
        while True:
            call, waiting = waiting or self._queue.get(), None
            if call.kind == "stop":
                return
            if call.kind == "call":
                _settle(call, *_attempt(call.fn))
                continue
            batch = [call]
            while len(batch) < _MAX_BATCH:
                try:
                    follower = self._queue.get_nowait()
                except queue.Empty:
                    break
                if follower.kind != "write":
                    waiting = follower
                    break
                batch.append(follower)
            self._write(batch)

    def _write(self, batch: list[_Call]) -> None:
        conn, error = _attempt(self._connection)
        if error is not None:
            for call in batch:
                _settle(call, None, error)
            return
        if len(batch) == 1:
            _settle(batch[0], *_attempt(_transaction, conn, batch[0].fn, self.begin_write))
            return
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            conn.execute(self.begin_write)
            for call in batch:
                conn.execute("SAVEPOINT body")
                result, error = _attempt(call.fn, conn)
                if error is not None and not in_transaction(conn):
                    raise error  # it was all rolled back (disk full, I/O error, lost server…)
                if error is not None:
                    conn.execute("ROLLBACK TO SAVEPOINT body")  # undo this body's writes alone
                conn.execute("RELEASE SAVEPOINT body")
                outcomes.append((result, error))
            conn.execute("COMMIT")
        except BaseException as failure:  # nothing of the group was committed
            if in_transaction(conn):
                conn.execute("ROLLBACK")
            outcomes = [(None, failure)] * len(batch)
        for call, (result, error) in zip(batch, outcomes, strict=True):
            _settle(call, result, error)


def _nothing() -> None:
    return None


def _attempt(fn: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None]:
    try:
        return fn(*args), None
    except BaseException as error:
        return None, error


def _settle(call: _Call, result: Any, error: BaseException | None) -> None:
    """Hand the outcome to the caller's event loop (from the database thread)."""
    if call.loop is None or call.future is None:
        return
    if isinstance(error, StopIteration):  # a future refuses it
        wrapped = RuntimeError("a transaction body raised StopIteration")
        wrapped.__cause__, error = error, wrapped
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
        call.loop.call_soon_threadsafe(_resolve, call.future, result, error)


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled; its transaction ran anyway
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def in_transaction(conn: Connection) -> bool:
    """Whether ``conn`` is inside a transaction (a failed one on PostgreSQL included)."""
    if isinstance(conn, sqlite3.Connection):
        return conn.in_transaction
    status = conn.info.transaction_status
    return status in (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)


def _transaction(conn: Connection, body: Callable[[Connection], T], begin: str) -> T:
    """``begin``, ``body(conn)``, ``COMMIT``; ``ROLLBACK`` if anything raises."""
    conn.execute(begin)
    try:
        result = body(conn)
        conn.execute("COMMIT")
    except BaseException:
        if in_transaction(conn):
            conn.execute("ROLLBACK")
        raise
    return result


def read_transaction(body: Callable[[Connection], T], begin: str) -> Callable[[Connection], T]:
    """``body`` wrapped in ``begin`` … ``COMMIT``: its queries share one snapshot."""

    def run(conn: Connection) -> T:
        conn.execute(begin)
        try:
            return body(conn)
        finally:
            if in_transaction(conn):
                conn.execute("COMMIT")  # a read transaction: nothing to undo

    return run
