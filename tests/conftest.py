"""Shared fixtures: databases (SQLite file and the real PostgreSQL server), the demo web, settings."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from config.settings import Settings, load_settings

PG_URL = os.environ.get("HDM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server URL; in CI its absence fails the run instead of skipping."""
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL required in CI but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, dropped afterwards."""
    schema = f"hdm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on a SQLite file and on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hdm.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in the test's directory."""
    return f"sqlite:///{tmp_path / 'hdm.db'}"


@pytest.fixture
def migrated_engine(db_url: str) -> Iterator[Any]:
    """An engine on the SQLite or PostgreSQL test database, migrated to head, disposed afterwards."""
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def engine_with_source(url: str) -> Any:
    """An engine on a migrated database holding one domestic source, "src"."""
    from store import repo
    from store.db import make_engine, session_scope
    from store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        repo.upsert_sources(s, [{"id": "src", "name": "Nguồn", "kind": "domestic", "lang": "vi", "prior": 0.2}])
    return engine


def test_settings(database_url: str, tmp_path: Path | None = None) -> Settings:
    """Settings for a local crawl: private hosts allowed, no politeness delays."""
    settings = load_settings(database_url=database_url)
    scrapy = dict(settings.scrapy)
    scrapy.update({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 15,
                   "RETRY_TIMES": 0})
    return settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy,
                                       "crawl_timeout_seconds": 300})


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def demo_web() -> Iterator[object]:
    """The bundled demo sites served on a random loopback port."""
    from pipeline.demo.server import DemoWeb

    with DemoWeb() as web:
        yield web


@pytest.fixture(scope="session")
def analyser() -> object:
    """The default analyser (shipped model, default config)."""
    from pipeline.resources import build_analyser

    return build_analyser(load_settings(), with_entities=False)
