"""The PostgreSQL daemon lock after its session is lost: taken again once, by one thread; a lost session of
the daemon's own that the server still keeps is ended; another daemon's is respected and named."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pipeline.daemon.lock import DAEMON_LOCK_KEY, AlreadyRunning, DaemonLock
from store.db import make_engine

pytestmark = pytest.mark.postgres

HOLDERS = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :key "
               "AND objid = CAST(hashtext(current_schema()) AS oid)")


def _holders(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(HOLDERS, {"key": DAEMON_LOCK_KEY}).scalar() or 0)


def _kill_session(engine, conn) -> None:  # type: ignore[no-untyped-def]
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    conn.commit()
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()


def _other_session(engine, name: str):  # type: ignore[no-untyped-def]
    """A session that takes the lock under `name` and keeps it (as a daemon elsewhere, or a lost one, would)."""
    conn = engine.connect()
    conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": name})
    assert conn.execute(text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                        {"key": DAEMON_LOCK_KEY}).scalar()
    conn.commit()
    return conn


def test_jobs_on_several_threads_take_a_lost_lock_again_once(pg_url):
    engine = make_engine(pg_url)
    with DaemonLock(engine, None) as lock:
        _kill_session(engine, lock._conn)  # the server restarted, say: the session and its lock are gone
        start = threading.Barrier(6)
        errors: list[BaseException] = []

        def job() -> None:
            start.wait()
            try:
                lock.ensure()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=job) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []  # no thread mistook the daemon's new session for another daemon
        assert _holders(engine) == 1
    assert _holders(engine) == 0  # released on exit


def test_a_lost_session_of_its_own_that_the_server_keeps_is_ended(pg_url):
    engine = make_engine(pg_url)
    lock = DaemonLock(engine, None)
    orphan = _other_session(engine, lock.name)  # a network cut the server did not notice: the backend lives on
    try:
        with lock:
            assert _holders(engine) == 1
            assert lock._conn is not None
        with pytest.raises(DBAPIError):  # the orphan's backend was ended
            orphan.execute(text("SELECT 1"))
    finally:
        orphan.invalidate()
    assert _holders(engine) == 0


def test_another_daemons_session_is_respected_and_named(pg_url):
    engine = make_engine(pg_url)
    other = _other_session(engine, "hdmonitor run elsewhere pid 4242")
    try:
        with pytest.raises(AlreadyRunning, match="elsewhere pid 4242"):
            with DaemonLock(engine, None):
                pass
        other.execute(text("SELECT 1"))  # still alive, still holding
        assert _holders(engine) == 1
    finally:
        other.close()
