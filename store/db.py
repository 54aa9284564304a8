"""Engines and the unit of work: SQLite in WAL mode with a busy timeout, or PostgreSQL."""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_MS = 30_000  # HDM_SQLITE_BUSY_MS overrides it (read when an engine is made)


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message is for a person."""


def redact(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


WRITE_OPTION = "hdm_write"
# PostgreSQL: the one lock that serialises the writes of story keys (near-duplicate grouping)
STORY_LOCK_KEY = 0x68646D01


def sqlite_busy_ms() -> int:
    """How long a SQLite writer waits for another one before "database is locked" (HDM_SQLITE_BUSY_MS)."""
    value = os.environ.get("HDM_SQLITE_BUSY_MS", "")
    return int(value) if value.isdigit() else SQLITE_BUSY_MS


def _sqlite_pragmas(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # transactions are begun by _sqlite_begin, not by the driver, so a writer can ask for the lock up front
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock when it begins (waiting up to the busy timeout for another
    # writer). A deferred transaction that read first and writes later would instead fail at once
    # with "database is locked" whenever another process committed in between.
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A session left idle inside a transaction (its client lost in a network cut the server did not notice)
# keeps its row locks until TCP gives up, hours later, and every unit that needs those rows waits. No unit
# of the project sits idle in a transaction for more than seconds: the server ends such a session sooner.
IDLE_IN_TRANSACTION_S = 120


def _pg_session_settings(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_S}s'")
    dbapi_connection.commit()


def make_engine(url: str, check: bool = True) -> Engine:
    """An engine for the URL; SQLite files get their directory created and WAL turned on."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            busy_ms = sqlite_busy_ms()
            engine = create_engine(url, connect_args={"timeout": busy_ms / 1000})
            event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms))
            event.listen(engine, "begin", _sqlite_begin)
        else:
            # keepalives: a silent network cut is noticed in about a minute, not after the kernel's two hours
            connect_args = ({"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                             "keepalives_count": 3} if url.startswith("postgresql") else {})
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
            if url.startswith("postgresql"):
                event.listen(engine, "connect", _pg_session_settings)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        raise DatabaseError(f"địa chỉ CSDL không hợp lệ / invalid database URL {redact(url)}: {exc}") from exc
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(
                f"không kết nối được CSDL / cannot connect to database {redact(url)}: {first}"
            ) from exc
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class _Held(threading.local):
    depth = 0  # write sessions this thread has open on a SQLite file


_held = _Held()


def write_lock_path(engine: Engine) -> Path | None:
    """The file that queues this SQLite database's writers; None for PostgreSQL and in-memory SQLite."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}-writers.lock")


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Wait for this process's turn to write to a SQLite file, and hold it until the block ends.

    SQLite lets a waiting writer poll the lock with growing sleeps (up to 100 ms each), so under
    steady writing a good part of every waiter's time was spent asleep after the lock was already
    free. The project's writers queue on an exclusive flock of a file beside the database instead:
    the kernel wakes the next one the moment the lock is released, also when its holder dies.
    Re-entrant within a thread; other threads and processes each take their own turn.
    """
    path = write_lock_path(engine)
    if path is None or _held.depth:
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def session_scope(engine: Engine, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    `write=True` for a unit that writes after reading: on SQLite it waits for its turn among the
    project's writers (writer_turn) and holds the write lock from its first statement (other writers
    wait for it instead of failing), so keep such units short.
    """
    if write:
        with writer_turn(engine), _session(engine, write=True) as session:
            yield session
        return
    with _session(engine, write=False) as session:
        yield session


@contextmanager
def _session(engine: Engine, write: bool) -> Iterator[Session]:
    session = session_factory(engine.execution_options(**{WRITE_OPTION: True}) if write else engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# ------------------------------------------------------------------ waiting out an unavailable database

T = TypeVar("T")
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 60.0
# PostgreSQL error classes worth waiting out: connection lost or refused, server shutting down or
# starting, serialisation failure or deadlock, a lock not available
_PG_TRANSIENT = ("08", "57P01", "57P02", "57P03", "40001", "40P01", "55P03")


class DatabaseUnavailable(DatabaseError):
    """The database stayed unreachable or locked longer than the caller would wait."""


class StopRequested(RuntimeError):
    """The process was asked to stop (SIGTERM): the unit of work was abandoned before it wrote."""


_stop = threading.Event()


def request_stop() -> None:
    """Ask this process's waits to give up: SIGTERM must not wait out a database that is away."""
    _stop.set()


def stop_requested() -> bool:
    """Whether request_stop() was called in this process."""
    return _stop.is_set()


def is_transient(exc: BaseException) -> bool:
    """True for an error that waiting fixes: SQLite locked or busy, PostgreSQL gone, refusing or restarting."""
    if isinstance(exc, DatabaseUnavailable):
        return False  # already waited for
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DatabaseError):
        return isinstance(exc.__cause__, OperationalError) and is_transient(exc.__cause__)
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    message = str(orig).lower()
    if type(orig).__module__.startswith("sqlite3"):
        return "locked" in message or "busy" in message
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(_PG_TRANSIENT)
    # psycopg raises connection failures (refused, closed, reset) without a SQLSTATE
    return isinstance(exc, OperationalError) or "connection" in message


def wait_for_database(work: Callable[[], T], what: str, max_wait_s: float, log: logging.Logger | None = None,
                      on_wait: Callable[[BaseException, float], None] | None = None) -> T:
    """Run `work`; while it fails with a transient database error, wait (doubling, up to a minute) and retry.

    A stop request (request_stop) ends the wait at once with StopRequested.

    The work must be a whole unit that is safe to run again (read, compute, one write transaction).
    After `max_wait_s` of waiting the last error is raised as DatabaseUnavailable, so no "database is
    locked" reaches a person as such.
    """
    log = log or logging.getLogger(__name__)
    waited, delay = 0.0, RETRY_FIRST_S
    while True:
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - only transient errors are waited out, the rest re-raised
            if not is_transient(exc):
                raise
            if waited >= max_wait_s:
                raise DatabaseUnavailable(
                    f"CSDL không sẵn sàng sau {waited:.0f} giây / database unavailable for {waited:.0f} s "
                    f"({what}): {describe_error(exc)}") from exc
            log.warning("CSDL không sẵn sàng / database unavailable (%s): %s; thử lại sau / retrying in %.0f s",
                        what, describe_error(exc), delay)
            if on_wait is not None:
                on_wait(exc, delay)
            if _stop.wait(delay):
                raise StopRequested("dừng theo yêu cầu / asked to stop while waiting for the database") from exc
            waited += delay
            delay = min(RETRY_MAX_S, delay * 2)


def write_unit(engine: Engine, work: Callable[[Session], T], what: str, max_wait_s: float,
               log: logging.Logger | None = None) -> T:
    """`work` in one write transaction, run again while the database is locked or unreachable (wait_for_database)."""
    def unit() -> T:
        with session_scope(engine, write=True) as session:
            return work(session)

    return wait_for_database(unit, what, max_wait_s, log)


def describe_error(exc: BaseException) -> str:
    """The first line of a database error, in words for a person where it is a known one."""
    orig = getattr(exc, "orig", None) or exc
    if type(orig).__module__.startswith("sqlite3") and "locked" in str(orig).lower():
        return "SQLite: một tiến trình khác đang ghi / another process is writing"
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
