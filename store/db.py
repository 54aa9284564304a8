"""Engines and the unit of work: SQLite in WAL mode with a busy timeout, or PostgreSQL."""

from __future__ import annotations

import re
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


@contextmanager
def session_scope(engine: Engine, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    `write=True` for a unit that writes after reading: on SQLite it holds the write lock from its first
    statement (other writers wait for it instead of failing), so keep such units short.
    """
    session = session_factory(engine.execution_options(**{WRITE_OPTION: True}) if write else engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
