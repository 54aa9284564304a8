"""Search in a real Chromium: typed without diacritics, it finds the flagged article, marks the words."""

from sqlalchemy import select

from nlp.query import search_words
from store import repo
from store.db import make_engine, session_scope
from store.models import Article
from tests.e2e.conftest import log_in


def test_search_without_diacritics_finds_the_flagged_article(browser, review_server, review_db):
    engine = make_engine(review_db)
    with session_scope(engine) as s:
        # a case whose title no other test has rewritten in the database behind search's back
        case, title = next((c, t) for c in repo.flagged_cases(s)
                           if "<" not in (t := s.scalar(select(Article.title).where(Article.id == c.article_id))))
    plain = " ".join(search_words(title).split()[:4])  # the first words, typed without any diacritic
    assert plain.isascii()
    page = log_in(browser, review_server, "viewer")
    page.click("text=Tìm kiếm / Search")
    page.fill("input[name=q]", plain)
    page.select_option("select[name=status]", "flagged")
    page.click("#search-form button[type=submit]")
    page.wait_for_url("**/search?**")
    hits = page.locator("article.hit")
    assert hits.count() >= 1
    ids = [int(h.get_attribute("data-article-id") or 0) for h in hits.all()]
    assert case.article_id in ids
    assert page.locator("article.hit mark.hit").count() >= 1  # the words found are marked
    page.screenshot(path="var/test-artifacts/screenshots/08-search.png", full_page=True)
    page.fill("input[name=q]", "-chỉ-loại-trừ")
    page.click("#search-form button[type=submit]")
    assert "ít nhất một từ" in page.inner_text("#search-error")
    page.context.close()


def test_the_filtered_queue_exports_as_a_workbook(browser, review_server, tmp_path):
    from openpyxl import load_workbook

    page = log_in(browser, review_server, "viewer")
    page.select_option("select[name=source_kind]", "overseas_vietnamese")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**source_kind=overseas_vietnamese**")
    shown = [int(r.get_attribute("data-article-id") or 0) for r in page.locator("tr.case").all()]
    assert shown
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / "queue.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã bài / Article id"
    assert sorted(r[0] for r in rows[1:]) == sorted(shown)  # the same articles, the filter respected
    assert {r[3] for r in rows[1:]} == {"overseas_vietnamese"}
    page.context.close()


def test_the_api_documentation_renders_for_a_logged_in_user(browser, review_server):
    page = log_in(browser, review_server, "viewer")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(review_server + "/docs")
    try:
        page.wait_for_selector(".swagger-ui .opblock", timeout=30000)  # Swagger UI ran, under the app's CSP
    except Exception as exc:
        page.screenshot(path="var/test-artifacts/screenshots/09-api-docs-failed.png", full_page=True)
        raise AssertionError(f"Swagger UI did not render: {errors} {page.inner_text('body')[:500]}") from exc
    assert "/api/search" in page.inner_text("#swagger-ui")
    page.screenshot(path="var/test-artifacts/screenshots/09-api-docs.png", full_page=True)
    page.context.close()


def test_a_saved_search_shows_a_new_match(browser, review_server, review_db):
    from pipeline.saved_searches import run_saved_searches
    from tests.fixtures.review import add_flagged_article

    page = log_in(browser, review_server, "analyst")
    page.goto(review_server + "/search?q=ninh+giang+de+dieu")
    page.fill("#save-search input[name=name]", "Đê điều Ninh Giang")
    page.select_option("#save-search select[name=notify]", "daily")
    page.click("#save-search button[type=submit]")
    page.wait_for_url("**/saved/*")
    assert page.inner_text("#saved-name") == "Đê điều Ninh Giang"
    assert page.locator("li.match").count() == 0
    engine = make_engine(review_db)
    article_id, _ = add_flagged_article(engine, title="Đê điều ở Ninh Giang xuống cấp",
                                        text="Người dân Ninh Giang lo lắng về đê điều.",
                                        url="https://example.org/de-dieu-ninh-giang")
    assert run_saved_searches(engine) >= 1  # what the daemon does after each analysis batch
    page.goto(review_server + "/saved")
    assert page.locator("tr.saved-search .unseen").inner_text() == "1"
    page.click("tr.saved-search a")
    assert [int(m.get_attribute("data-article-id") or 0) for m in page.locator("li.match.unseen").all()] == [article_id]
    page.screenshot(path="var/test-artifacts/screenshots/10-saved-search.png", full_page=True)
    page.click("#mark-seen")
    assert page.locator("li.match.unseen").count() == 0
    page.context.close()


def test_the_dashboard_and_the_admin_pages_open(browser, review_server):
    page = log_in(browser, review_server, "admin")
    page.click("text=Tổng quan / Dashboard")
    page.wait_for_url("**/dashboard")
    assert page.locator("svg.chart").count() == 5
    assert page.locator("#volume-topic svg rect").count() >= 1  # the demo articles of the last 30 days
    page.locator("#volume-topic summary").click()
    assert page.locator("#volume-topic table.numbers tbody tr").count() >= 1
    page.screenshot(path="var/test-artifacts/screenshots/11-dashboard.png", full_page=True)
    for path, marker in (("/admin/users", "#users"), ("/admin/audit", "#audit"), ("/saved", "h1"),
                         ("/account/tokens", "#tokens"), ("/admin/recipients", "#recipients"),
                         ("/account/password", "#mail-form")):
        response = page.goto(review_server + path)
        assert response is not None and response.status == 200, path
        assert page.locator(marker).count() == 1, path
    page.context.close()
