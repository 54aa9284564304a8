"""Engines and the unit of work: SQLite in WAL mode with a busy timeout, or PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_MS = 30_000


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message is for a person."""


def redact(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


WRITE_OPTION = "hdm_write"
# PostgreSQL: the one lock that serialises the writes of story keys (near-duplicate grouping)
STORY_LOCK_KEY = 0x68646D01


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # transactions are begun by _sqlite_begin, not by the driver, so a writer can ask for the lock up front
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock when it begins (waiting up to the busy timeout for another
    # writer). A deferred transaction that read first and writes later would instead fail at once
    # with "database is locked" whenever another process committed in between.
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, check: bool = True) -> Engine:
    """An engine for the URL; SQLite files get their directory created and WAL turned on."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            connect_args = {"connect_timeout": 10} if url.startswith("postgresql") else {}
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
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
