"""The review queue in a real Chromium: flagged articles listed with reasons, evidence page, no script runs."""

from pathlib import Path

from sqlalchemy import select

from store import repo
from store.db import make_engine, session_scope
from store.models import Article
from tests.e2e.conftest import log_in

PAYLOAD = "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned=2'>"


def test_queue_lists_flagged_articles_and_opens_the_evidence(browser, review_server, tmp_path: Path):
    page = log_in(browser, review_server, "viewer")
    assert "Bài bị gắn cờ" in page.inner_text("h1")
    rows = page.locator("tr.case")
    assert rows.count() >= 1
    first = rows.first
    assert first.locator("td.risk").inner_text().endswith("%")
    assert first.locator("ul.reasons li").count() >= 1
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

    title = first.locator("a").first.inner_text()
    first.locator("a").first.click()
    page.wait_for_url("**/articles/*")
    assert page.inner_text("article.detail h1") == title
    assert page.locator("#reasons li").count() >= 1
    assert "gắn cờ / flagged" in page.inner_text("#evidence")
    page.close()


def test_scraped_html_in_titles_and_text_is_shown_as_text_not_run(browser, review_server, review_db):
    engine = make_engine(review_db)
    with session_scope(engine) as s:
        case = repo.flagged_cases(s)[0]
        article = s.get(Article, case.article_id)
        article.title = "Tiêu đề " + PAYLOAD
        article.text = "Đoạn một.\n" + PAYLOAD
        article_id = article.id
    page = log_in(browser, review_server, "viewer")
    for path in ("/", f"/articles/{article_id}"):
        page.goto(review_server + path)
        assert page.evaluate("window.__pwned") is None
        assert "<script>" in page.inner_text("body")
    page.close()
    with session_scope(engine) as s:
        assert s.scalar(select(Article.title).where(Article.id == article_id)).endswith(PAYLOAD)


def test_api_lists_the_same_cases(browser, review_server):
    import httpx

    assert httpx.get(review_server + "/api/flagged").status_code == 401  # nobody logged in
    page = log_in(browser, review_server, "viewer")
    data = page.request.get(review_server + "/api/flagged").json()
    assert data and all(item["reasons"] and 0 <= item["risk"] <= 1 for item in data)
    assert page.request.get(review_server + "/articles/999999").status == 404
