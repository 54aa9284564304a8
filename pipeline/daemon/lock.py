"""One daemon per database: a PostgreSQL advisory lock, or a lock file beside the SQLite file."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.db import wait_for_database

logger = logging.getLogger(__name__)

DAEMON_LOCK_KEY = 0x68646D02  # fits a PostgreSQL int4
WAIT_FOR_LOCK_S = 24 * 3600.0  # a daemon whose database is gone waits for it (systemd would only restart it)


class AlreadyRunning(RuntimeError):
    """Another daemon holds the lock of this database (the message is for a person)."""


class DaemonLock:
    """Held for the daemon's lifetime; released when it exits (or dies: the kernel and PostgreSQL free it)."""

    def __init__(self, engine: Engine, sqlite_path: Path | None) -> None:
        self.engine = engine
        self.sqlite_path = sqlite_path
        self._file: IO[str] | None = None
        self._conn: Any = None

    def __enter__(self) -> DaemonLock:
        if self.sqlite_path is not None:
            path = Path(f"{self.sqlite_path}.daemon.lock")
            handle = path.open("a+", encoding="ascii")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                handle.close()
                raise AlreadyRunning(self._message(path.read_text(encoding="ascii").strip())) from exc
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
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return
            except Exception:  # noqa: BLE001 - the session is gone, and its lock with it
                logger.warning("CSDL không sẵn sàng / database unavailable: the daemon lock's session was lost; "
                               "taking the lock again")
                try:
                    self._conn.close()
                except Exception:  # noqa: BLE001 - already broken
                    logger.debug("closing the lost lock session failed", exc_info=True)
                self._conn = None
        wait_for_database(self._take_pg, "daemon lock", WAIT_FOR_LOCK_S, logger)

    def _take_pg(self) -> None:
        self._conn = self.engine.connect()
        # per database and schema: several installations may share one PostgreSQL database
        got = self._conn.execute(text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                                 {"key": DAEMON_LOCK_KEY}).scalar()
        self._conn.commit()
        if not got:
            self._conn.close()
            self._conn = None
            raise AlreadyRunning(self._message(""))

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
                self._conn.close()
            except Exception:  # noqa: BLE001 - a lost session has released the lock already
                logger.debug("releasing the daemon lock failed", exc_info=True)

    @staticmethod
    def _message(pid: str) -> str:
        who = f" (pid {pid})" if pid else ""
        return (f"một tiến trình 'hdmonitor run' khác đang chạy trên CSDL này{who} / another 'hdmonitor run' "
                f"is already running on this database{who}")
