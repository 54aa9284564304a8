"""One daemon per database: a PostgreSQL advisory lock, or a lock file beside the SQLite file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

DAEMON_LOCK_KEY = 0x68646D02  # fits a PostgreSQL int4


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
        else:
            self._conn = self.engine.connect()
            # per database and schema: several installations may share one PostgreSQL database
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                                     {"key": DAEMON_LOCK_KEY}).scalar()
            self._conn.commit()
            if not got:
                self._conn.close()
                raise AlreadyRunning(self._message(""))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
                               {"key": DAEMON_LOCK_KEY})
            self._conn.commit()
            self._conn.close()

    @staticmethod
    def _message(pid: str) -> str:
        who = f" (pid {pid})" if pid else ""
        return (f"một tiến trình 'hdmonitor run' khác đang chạy trên CSDL này{who} / another 'hdmonitor run' "
                f"is already running on this database{who}")
