"""A review app served by uvicorn on loopback over a database filled from the demo sites, and Chromium."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from pipeline.analyse import analyse_pending
from pipeline.collect import crawl
from store.db import make_engine
from store.migrate import upgrade
from tests.conftest import IN_CI, free_port, test_settings
from tests.fixtures.review import PASSWORDS, add_role_users, review_settings

CHROMIUM = os.environ.get("HDM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def review_db(tmp_path_factory: pytest.TempPathFactory, demo_web, analyser) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('review') / 'review.db'}"
    engine = make_engine(url)
    upgrade(engine)
    crawl(test_settings(url), engine, [s.source_config(demo_web.base_url) for s in demo_web.sites.values()])
    analyse_pending(engine, analyser)
    add_role_users(engine)
    engine.dispose()
    return url


@contextmanager
def serve_app(url: str) -> Iterator[str]:
    """The review app on `url`'s database, served by uvicorn on a free loopback port."""
    from review.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(review_settings(url)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the review app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def review_server(review_db: str) -> Iterator[str]:
    with serve_app(review_db) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium required in CI but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def log_in(browser, base: str, role: str):  # type: ignore[no-untyped-def]
    """A new page in its own browser context, logged in through the form as the user of `role`."""
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_url("**/login?next=*")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page
