"""The digest's HTML as a reader's browser shows it: rendered in headless Chromium to a PNG kept as an artefact."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from digest.period import iso_week
from digest.weekly import build_digest
from store.db import make_engine
from store.migrate import upgrade
from tests.fixtures.mail import TZ, mail_settings, seed_week, smtp_server

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("HDM_TEST_ARTIFACTS", "var/test-artifacts")) / "screenshots"


def test_the_digest_renders_in_chromium(browser, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed_week(engine, datetime(2026, 11, 23, tzinfo=TZ))
    with smtp_server() as box:  # settings only: nothing is sent
        settings = mail_settings(sqlite_url, box)
    _, rendered = build_digest(settings, engine, iso_week("2026-W48", TZ))
    page_file = tmp_path / "digest.html"
    page_file.write_text(rendered.html_with_data_uris(), encoding="utf-8")
    context = browser.new_context(viewport={"width": 760, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(page_file.as_uri())
    assert page.title() == "Bản tin tuần 2026-W48"
    assert page.locator("#totals tr").count() == 5  # the header and four figures
    images = page.locator("img")
    assert images.count() == 2
    for i in range(2):  # the charts load: a broken image has no natural size
        box_size = images.nth(i).bounding_box()
        assert box_size is not None and box_size["width"] > 300 and box_size["height"] > 80
    assert "Tiếng Anh" in page.inner_text("body")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "digest-2026-W48.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 20_000
    context.close()
    engine.dispose()
