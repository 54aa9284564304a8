"""An analyst's day in a real Chromium: log in, filter the queue, open an article, confirm it, join a second
outlet's copy to its story, open a rebuttal case; an editor assigns it, writes and publishes the rebuttal,
exports its ClaimReview and closes the case; the admin sees every step in the audit log; a viewer cannot
decide. Each page is kept as a screenshot (var/test-artifacts/screenshots)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from store.db import make_engine, session_scope
from store.models import Article, AuditEvent, RebuttalCase, ReviewCase
from tests.e2e.conftest import log_in

SHOTS = Path(os.environ.get("HDM_TEST_ARTIFACTS", "var/test-artifacts")) / "screenshots"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _second_outlet_copy(review_db: str) -> tuple[int, int, str]:
    """The riskiest open case's article, and a copy of it carried three hours later by another outlet."""
    engine = make_engine(review_db)
    with session_scope(engine, write=True) as s:
        case = s.scalars(select(ReviewCase).where(ReviewCase.status == "open")
                         .join(ReviewCase.analysis).order_by(ReviewCase.id)).first()
        assert case is not None
        original = s.get(Article, case.article_id)
        other_source = next(a.source_id for a in s.scalars(select(Article)) if a.source_id != original.source_id)
        when = original.published_at or original.fetched_at
        copy = Article(source_id=other_source, url=original.url + "?copy=1",
                       canonical_url=original.canonical_url + "-copy",
                       url_hash="copy-" + original.url_hash[:59], title=original.title, text=original.text,
                       lang=original.lang, content_hash=original.content_hash, title_hash=original.title_hash,
                       simhash=original.simhash, story_id=original.story_id, published_at=when + timedelta(hours=3),
                       fetched_at=original.fetched_at, status="analysed")
        s.add(copy)
        s.flush()
        result = (original.id, copy.id, original.title)
    engine.dispose()
    return result


def test_an_analysts_day_from_flag_to_published_rebuttal(browser, review_server, review_db):
    article_id, copy_id, title = _second_outlet_copy(review_db)
    base = review_server

    # the analyst logs in, filters the queue and opens the article
    page = log_in(browser, base, "analyst")
    _shot(page, "01-queue")
    page.select_option("select[name=source_kind]", "overseas_vietnamese")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**source_kind=overseas_vietnamese**")
    assert page.locator("tr.case").count() >= 1
    assert page.locator("tr.case td:nth-child(3)").all_inner_texts()
    page.goto(f"{base}/articles/{article_id}")
    assert page.locator("mark.place").count() >= 1  # places of the province are marked in the text
    _shot(page, "02-article")

    # confirms it as distorted
    page.click("#confirm")
    page.wait_for_url(f"**/articles/{article_id}?done=confirmed")
    assert page.inner_text("#case-status") == "confirmed"

    # joins the other outlet's copy to the story: the timeline says who was first
    suggestion = page.locator(f"li.suggestion[data-article-id='{copy_id}']")
    assert suggestion.count() == 1
    suggestion.locator("button.join-story").click()
    page.wait_for_url(f"**/articles/{article_id}#story")
    entries = page.locator("#timeline li.timeline-entry")
    assert entries.count() == 2
    assert entries.first.get_attribute("data-article-id") == str(article_id)
    assert "đăng đầu tiên / first" in entries.first.inner_text() and "+3 giờ" in entries.nth(1).inner_text()
    _shot(page, "03-story")

    # opens a rebuttal case from it
    page.click("#open-rebuttal button[type=submit]")
    page.wait_for_url("**/rebuttals/*?done=opened")
    case_url = page.url.split("?")[0]
    case_id = int(case_url.rsplit("/", 1)[1])
    assert page.locator("li.case-article").count() == 2  # the story's copy joined with it
    page.fill("#note-form textarea", "Đã liên hệ Sở Tài nguyên để xác minh số liệu.")
    page.click("#note-form button[type=submit]")
    page.wait_for_url("**done=note**")
    assert page.locator("li.note").count() == 1

    # an editor assigns it, writes the rebuttal, publishes it and exports the ClaimReview
    editor = log_in(browser, base, "editor")
    editor.goto(case_url)
    editor.select_option("#assign-form select", "analyst")
    editor.click("#assign-form button")
    editor.wait_for_url("**done=assigned")
    assert editor.inner_text("#assignee") == "analyst"
    editor.fill("textarea[name=claim_summary]", "Bài viết cho rằng cán bộ Kinh Môn bắt tay doanh nghiệp cướp đất.")
    editor.select_option("select[name=verdict]", "false")
    editor.fill("textarea[name=facts]", "Hồ sơ thu hồi đất được công khai; không có khiếu nại nào về việc này.")
    editor.fill("textarea[name=published_urls]", "https://haiduong.example.gov.vn/phan-bac/kinh-mon")
    editor.click("#rebuttal-form button[type=submit]")
    editor.wait_for_url("**done=saved")
    editor.select_option("#status-form select", "published")
    editor.click("#status-form button")
    editor.wait_for_url("**done=status")
    assert editor.inner_text("#rebuttal-status") == "published" and editor.locator("#locked").count() == 1
    assert editor.locator("#rebuttal-form").count() == 0  # locked: no more editing
    _shot(editor, "04-rebuttal-published")
    with editor.expect_download() as download:
        editor.click("#claimreview")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["@type"] == "ClaimReview" and data["reviewRating"]["alternateName"] == "Sai sự thật"
    assert len(data["itemReviewed"]["appearance"]) == 2
    assert data["itemReviewed"]["firstAppearance"]["headline"] == title
    assert data["url"] == "https://haiduong.example.gov.vn/phan-bac/kinh-mon"

    # and closes it
    editor.select_option("#status-form select", "closed")
    editor.click("#status-form button")
    editor.wait_for_url("**done=status")
    assert editor.inner_text("#rebuttal-status") == "closed"
    editor.goto(f"{base}/rebuttals")
    _shot(editor, "05-rebuttals")

    # the admin sees every step in the audit log
    admin = log_in(browser, base, "admin")
    admin.goto(f"{base}/admin/audit?object_type=rebuttal_case&object_id={case_id}")
    actions = admin.locator("tr.audit-row td:nth-child(3)").all_inner_texts()
    assert {"rebuttal.open", "rebuttal.articles", "rebuttal.note", "rebuttal.assign", "rebuttal.edit",
            "rebuttal.status"} <= set(actions)
    assert actions.count("rebuttal.status") == 2
    admin.goto(f"{base}/admin/audit?actor=analyst")
    by_analyst = set(admin.locator("tr.audit-row td:nth-child(3)").all_inner_texts())
    assert {"case.confirm", "story.join", "login"} <= by_analyst
    _shot(admin, "06-audit")
    admin.goto(f"{base}/admin/users")
    _shot(admin, "07-users")

    # a viewer reads but cannot decide, not even by posting the form by hand
    viewer = log_in(browser, base, "viewer")
    viewer.goto(f"{base}/articles/{copy_id}")
    assert viewer.locator("#decide").count() == 0 and viewer.locator("#open-rebuttal").count() == 0
    engine = make_engine(review_db)
    with session_scope(engine) as s:
        copy_case = s.scalar(select(ReviewCase).where(ReviewCase.article_id == article_id))
        assert copy_case is not None and copy_case.status == "confirmed"
        case = s.get(RebuttalCase, case_id)
        assert case.status == "closed" and case.locked and case.assignee == "analyst"
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "case.confirm",
                                                 AuditEvent.actor == "analyst")) is not None
    token = viewer.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = viewer.request.post(f"{base}/cases/{copy_case.id}/decide",
                                  form={"csrf_token": token, "decision": "dismiss", "reason": "accurate",
                                        "version": str(copy_case.version)})
    assert refused.status == 403
    for p in (page, editor, admin, viewer):
        p.context.close()
