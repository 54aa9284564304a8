"""One daemon per database: a PostgreSQL advisory lock, or a lock file beside the SQLite file."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.db import wait_for_database

logger = logging.getLogger(__name__)

DAEMON_LOCK_KEY = 0x68646D02  # fits a PostgreSQL int4
WAIT_FOR_LOCK_S = 24 * 3600.0  # a daemon whose database is gone waits for it (systemd would only restart it)
ORPHAN_GONE_S = 10.0  # how long a terminated lost session of our own may take to release the lock

# Who holds the lock of this database and schema, and under which name (set by _take_pg).
_HOLDER = text(
    "SELECT a.pid, a.application_name, host(a.client_addr) AS client FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.classid = CAST(:key AS oid) AND l.objid = CAST(hashtext(current_schema()) AS oid) AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")


class AlreadyRunning(RuntimeError):
    """Another daemon holds the lock of this database (the message is for a person)."""


class DaemonLock:
    """Held for the daemon's lifetime; released when it exits (or dies: the kernel and PostgreSQL free it)."""

    def __init__(self, engine: Engine, sqlite_path: Path | None) -> None:
        self.engine = engine
        self.sqlite_path = sqlite_path
        self._file: IO[str] | None = None
        self._conn: Any = None
        self._mutex = threading.Lock()  # the scheduler runs jobs on several threads; each calls ensure()
        # the name this daemon's lock session carries: a session of that name that is not ours is our own lost one
        self.name = f"hdmonitor run {socket.gethostname()} pid {os.getpid()}"[:63]

    def __enter__(self) -> DaemonLock:
        if self.sqlite_path is not None:
            path = Path(f"{self.sqlite_path}.daemon.lock")
            handle = path.open("a+", encoding="ascii")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                handle.close()
                pid = path.read_text(encoding="ascii").strip()
                raise AlreadyRunning(self._message(f"pid {pid}" if pid else "")) from exc
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._file = handle
            # A forked worker shares this open file, and with it the lock: were the daemon killed, a
            # worker outliving it would keep the next daemon out. Children close their copy at once.
            os.register_at_fork(after_in_child=self._forget_in_child)
        else:
            self._take_pg()
        return self

    def _forget_in_child(self) -> None:
        if self._file is not None:
            self._file.close()  # the child's descriptor only: the daemon's keeps the lock
            self._file = None

    def ensure(self) -> None:
        """Before each job: on PostgreSQL, make sure the session holding the lock is still alive.

        A connection lost with the database (a restart, a network cut) takes the lock with it; it is
        taken again once the database answers. If another daemon took it meanwhile, AlreadyRunning.
        """
        if self._conn is None and self._file is not None:
            return  # the kernel holds a file lock as long as this process lives
        with self._mutex:
            self._ensure_pg()

    def _ensure_pg(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return
            except Exception:  # noqa: BLE001 - the session is gone, and its lock with it
                logger.warning("CSDL không sẵn sàng / database unavailable: the daemon lock's session was lost; "
                               "taking the lock again")
                try:
                    self._conn.invalidate()
                except Exception:  # noqa: BLE001 - already broken
                    logger.debug("closing the lost lock session failed", exc_info=True)
                self._conn = None
        wait_for_database(self._take_pg, "daemon lock", WAIT_FOR_LOCK_S, logger)

    def _take_pg(self) -> None:
        conn = self.engine.connect()
        try:
            conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": self.name})
            got = self._try(conn)
            if not got:
                got = self._end_own_orphan(conn)
        except BaseException:
            conn.invalidate()  # a session that may hold the lock never goes back to the pool
            raise
        if not got:
            holder = conn.execute(_HOLDER, {"key": DAEMON_LOCK_KEY}).first()
            conn.commit()
            conn.invalidate()
            who = f"{holder.application_name or '?'} from {holder.client or 'local socket'}" if holder else ""
            raise AlreadyRunning(self._message(who))
        self._conn = conn

    @staticmethod
    def _try(conn: Any) -> bool:
        # per database and schema: several installations may share one PostgreSQL database
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                                {"key": DAEMON_LOCK_KEY}).scalar())
        conn.commit()
        return got

    def _end_own_orphan(self, conn: Any) -> bool:
        """The lock is held by a session of this very process that it lost (a network cut the server has not
        noticed yet: its backend lives on until TCP gives up, hours later). End it and take the lock."""
        holder = conn.execute(_HOLDER, {"key": DAEMON_LOCK_KEY}).first()
        conn.commit()
        if holder is None:  # released meanwhile
            return self._try(conn)
        if holder.application_name != self.name:
            return False
        logger.warning("the daemon lock is held by this daemon's own lost session (backend pid %s): ending it",
                       holder.pid)
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder.pid})
        conn.commit()
        deadline = time.monotonic() + ORPHAN_GONE_S
        while time.monotonic() < deadline:
            if self._try(conn):
                return True
            time.sleep(0.1)
        return False

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
                                   {"key": DAEMON_LOCK_KEY})
                self._conn.commit()
                self._conn.invalidate()  # its application_name is the daemon's: it does not go back to the pool
            except Exception:  # noqa: BLE001 - a lost session has released the lock already
                logger.debug("releasing the daemon lock failed", exc_info=True)

    @staticmethod
    def _message(holder: str) -> str:
        who = f" ({holder})" if holder else ""
        return (f"một tiến trình 'hdmonitor run' khác đang chạy trên CSDL này{who} / another 'hdmonitor run' "
                f"is already running on this database{who}")
