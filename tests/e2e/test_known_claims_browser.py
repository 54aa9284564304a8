"""Known claims in a real browser: a case with a published rebuttal; a new article repeating its claim in English
is collected from a site on loopback and analysed; the suggestion appears on the case page; the analyst
confirms it; the ClaimReview export lists it; a rejected suggestion does not come back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.claim_links import ClaimLinker, store_links
from pipeline.collect import crawl
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, ClaimLink
from tests.conftest import test_settings
from tests.e2e.conftest import log_in, serve_app
from tests.fixtures.claims import published_case
from tests.fixtures.hostile_web import page, rss
from tests.fixtures.review import add_role_users
from tests.fixtures.tiny_web import TinyWeb

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("HDM_TEST_ARTIFACTS", "var/test-artifacts")) / "screenshots"
ARTICLES = {
    "/news/dead-fish.html": ("Dead fish on the Sat river in Hai Duong",
                             "Residents of Cam Giang say the Dai An Industrial Park has been discharging untreated "
                             "wastewater into the Sat river. Dead fish now cover the water, and more than 200 "
                             "households have lost their clean water supply, villagers told us."),
    "/news/song-sat.html": ("Sông Sặt lại đầy cá chết",
                            "Người dân Cẩm Giàng kể nước thải từ KCN Đại An đổ thẳng ra sông Sặt, cá chết nổi "
                            "trắng, hơn 200 hộ không còn nước sạch để dùng."),
}


def _pages(path: str, base: str) -> tuple[bytes, str]:
    if path == "/feed.xml":
        items = [(t, p, None, "Fri, 04 Dec 2026 08:00:00 +0700") for p, (t, _) in ARTICLES.items()]
        return rss(items, base), "application/rss+xml"
    if path in ARTICLES:
        title, text = ARTICLES[path]
        return page(title, text).encode("utf-8"), "text/html; charset=utf-8"
    return b"", "text/plain"


def test_a_repeat_is_collected_suggested_confirmed_and_listed(browser, tmp_path):
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    engine = make_engine(url)
    upgrade(engine)
    add_role_users(engine)
    case_id, first = published_case(engine)
    site = TinyWeb(_pages)
    settings = test_settings(url)
    source = {"id": "foreign-x", "name": "Foreign X", "kind": "foreign", "lang": "en",
              "feeds": [f"{site.base}/feed.xml"], "enabled": True}
    report = crawl(settings, engine, [source], analyse=True)
    assert report.work.new == 2
    with session_scope(engine) as s:
        linked = {s.get(Article, link.article_id).title: link.id for link in s.scalars(select(ClaimLink))}
    assert set(linked) == {t for t, _ in ARTICLES.values()}, linked
    english, vietnamese = linked[ARTICLES["/news/dead-fish.html"][0]], linked[ARTICLES["/news/song-sat.html"][0]]

    with serve_app(url) as base:
        page_ = log_in(browser, base, "analyst")
        page_.goto(f"{base}/rebuttals/{case_id}#claim-matching")
        row = page_.locator(f'tr.claim-link[data-link-id="{english}"]')
        assert "Sat river" in row.inner_text() and "chờ duyệt / to review" in row.inner_text()
        row.locator("button.claim-confirm").click()
        page_.wait_for_load_state()
        assert "đã xác nhận / confirmed" in page_.locator(f'tr.claim-link[data-link-id="{english}"]').inner_text()
        page_.locator(f'tr.claim-link[data-link-id="{vietnamese}"] button.claim-reject').click()
        page_.wait_for_load_state()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page_.screenshot(path=str(SHOTS / "11-known-claims.png"), full_page=True)
        review = page_.request.get(f"{base}/rebuttals/{case_id}/claimreview.json").json()
        urls = [a["url"] for a in review["itemReviewed"]["appearance"]]
        assert f"{site.base}/news/dead-fish.html" in urls and f"{site.base}/news/song-sat.html" not in urls
        page_.goto(f"{base}/articles/{first + 1}")
        # analysed again (a re-check, a model update): the rejected pair is not suggested again
        with session_scope(engine) as s:
            rejected = s.get(ClaimLink, vietnamese)
            article = s.get(Article, rejected.article_id)
            from pipeline.analyse import document_of
            from pipeline.resources import build_analyser

            document = document_of(article)
        result = build_analyser(settings, with_entities=False).analyse(document)
        found = ClaimLinker(settings, engine).matches({document.id: document}, {document.id: result})
        assert found, "the matcher still finds the pair"
        with session_scope(engine, write=True) as s:
            assert store_links(s, [rejected.article_id], found, "test") == 0
        page_.goto(f"{base}/rebuttals/{case_id}#claim-matching")
        assert "đã bác / rejected" in page_.locator(f'tr.claim-link[data-link-id="{vietnamese}"]').inner_text()
        assert page_.locator("button.claim-confirm").count() == 0
        page_.context.close()
    site.close()
    engine.dispose()
