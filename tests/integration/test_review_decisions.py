"""Analysts' decisions: one decision per case when two decide at once (SQLite and PostgreSQL), audit rows
with before → after, corrected labels that become training labels, bulk actions and the queue's filters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from review.app import create_app
from store import decisions
from store.db import make_engine, session_factory, session_scope
from store.migrate import upgrade
from store.models import AuditEvent, ReviewCase
from store.queue import QueueFilter, facet_counts, queue_page
from tests.fixtures.review import add_flagged_article, add_role_users, login, review_settings, token


@pytest.fixture
def engine(migrated_engine):  # type: ignore[no-untyped-def]
    return migrated_engine


def test_a_decision_made_on_an_old_version_is_refused_and_names_who_decided(engine):
    _, case_id = add_flagged_article(engine)
    with session_scope(engine, write=True) as s:
        outcome = decisions.decide(s, case_id, "confirm", "lan", expected_version=1)
    assert (outcome.before, outcome.after, outcome.version) == ("open", "confirmed", 2)
    with session_scope(engine, write=True) as s, pytest.raises(decisions.Conflict, match="lan"):
        decisions.decide(s, case_id, "dismiss", "minh", expected_version=1, reason="accurate")
    with session_scope(engine) as s:
        case = s.get(ReviewCase, case_id)
        assert (case.status, case.decided_by, case.version) == ("confirmed", "lan", 2)
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.object_type == "review_case",
                                                        AuditEvent.action.like("case.%"),
                                                        AuditEvent.action != "case.open")))
    assert [(r.actor, r.action, r.detail["before"], r.detail["after"]) for r in rows] == \
        [("lan", "case.confirm", "open", "confirmed")]


@pytest.mark.postgres  # on SQLite the web app's writers take the write lock first: this interleaving cannot occur
def test_two_sessions_deciding_at_the_same_moment_end_with_one_decision(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    _, case_id = add_flagged_article(engine)
    sessions = session_factory(engine)
    first, second = sessions(), sessions()
    try:
        # both have read version 1 and both pass the version check before either writes
        assert first.get(ReviewCase, case_id).version == second.get(ReviewCase, case_id).version == 1
        decisions.decide(first, case_id, "confirm", "lan", expected_version=1)
        first.commit()
        with pytest.raises(decisions.Conflict):
            decisions.decide(second, case_id, "dismiss", "minh", expected_version=1, reason="accurate")
    finally:
        first.close()
        second.close()
    with session_scope(engine) as s:
        assert s.get(ReviewCase, case_id).status == "confirmed"


def test_dismissing_needs_a_reason_and_labels_become_training_labels(engine):
    article_id, case_id = add_flagged_article(engine)
    with session_scope(engine, write=True) as s, pytest.raises(decisions.DecisionError, match="reason"):
        decisions.decide(s, case_id, "dismiss", "lan", 1)
    with session_scope(engine, write=True) as s:
        decisions.decide(s, case_id, "dismiss", "lan", 1, reason="not_about_province", note="nói về biển")
        before = decisions.correct_label(s, article_id, "topic", "environment", "lan",
                                         ["politics", "environment"], expected_version=2, reason="bài về biển")
        assert before == "politics"
        with pytest.raises(decisions.DecisionError, match="invalid"):
            decisions.correct_label(s, article_id, "topic", "weather", "lan", ["politics", "environment"])
    with session_scope(engine) as s:
        case = s.get(ReviewCase, case_id)
        assert case.decision_reason == "Không nói về Hải Dương / not about the province: nói về biển"
        labels = decisions.analyst_labels(s)
        assert [(a.id, lab) for a, lab in labels] == [(article_id, {"distorted": False, "topic": "environment"})]
        assert decisions.corrections(s, article_id) == {"topic": "environment"}


@pytest.fixture
def app(sqlite_url):  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    upgrade(engine)
    add_role_users(engine)
    yield create_app(review_settings(sqlite_url)), engine
    engine.dispose()


def _version(html: str) -> int:
    found = re.search(r'id="confirm-form">\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"', html)
    assert found, "no confirm form with a version"
    return int(found.group(1))


def test_two_analysts_on_one_article_the_second_is_told_not_overwritten(app):
    application, engine = app
    article_id, case_id = add_flagged_article(engine)
    first, second = TestClient(application), TestClient(application)
    login(first, "analyst")
    login(second, "editor")
    page_a = first.get(f"/articles/{article_id}").text
    page_b = second.get(f"/articles/{article_id}").text
    done = first.post(f"/cases/{case_id}/decide", data={"csrf_token": token(first), "decision": "confirm",
                                                        "version": _version(page_a)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/articles/{article_id}?done=confirmed"
    late = second.post(f"/cases/{case_id}/decide", headers={"accept": "text/html"},
                       data={"csrf_token": token(second), "decision": "dismiss", "reason": "accurate",
                             "version": _version(page_b)})
    assert late.status_code == 409
    assert "analyst" in late.text and "không ghi đè" in late.text and "nothing was overwritten" in late.text
    with session_scope(engine) as s:
        assert s.get(ReviewCase, case_id).status == "confirmed"
    shown = first.get(f"/articles/{article_id}?done=confirmed").text
    assert "Đã xác nhận xuyên tạc" in shown and 'id="case-status" class="pill">confirmed' in shown


def test_bulk_assign_and_dismiss_and_the_queue_filters(app):
    application, engine = app
    ids = [add_flagged_article(engine, title=f"Bài {i} về Hải Dương", risk=0.5 + i / 10)[1] for i in range(3)]
    editor = TestClient(application)
    login(editor, "editor")
    assigned = editor.post("/cases/bulk", data={"csrf_token": token(editor), "action": "assign",
                                                "assignee": "analyst", "case_ids": ids[:2]}, follow_redirects=False)
    assert assigned.status_code == 303 and assigned.headers["location"].endswith("done=2")
    analyst = TestClient(application)
    login(analyst, "analyst")
    mine = analyst.get("/?status=open&assignee=me").text
    assert mine.count('class="case"') == 2
    dismissed = editor.post("/cases/bulk", data={"csrf_token": token(editor), "action": "dismiss",
                                                 "reason": "duplicate", "case_ids": [ids[0]]}, follow_redirects=False)
    assert dismissed.status_code == 303
    with session_scope(engine) as s:
        f = QueueFilter(status="open")
        rows, total = queue_page(s, f)
        assert total == 2 and [c.id for c in rows] == [ids[2], ids[1]]  # riskiest of the same age first
        second_page, _ = queue_page(s, f, page=2, per_page=1)
        assert [c.id for c in second_page] == [ids[1]]
        counts = facet_counts(s, f)
        assert counts["status"] == {"dismissed": 1, "open": 2}
        assert counts["assignee"] == {"-": 1, "analyst": 1}
        assert s.get(ReviewCase, ids[0]).decided_by == "editor"
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.actor == "editor"))]
    assert actions.count("case.assign") == 2 and actions.count("case.dismiss") == 1
    nothing = editor.post("/cases/bulk", data={"csrf_token": token(editor), "action": "assign"},
                          headers={"accept": "text/html"})
    assert nothing.status_code == 400 and "ít nhất một bài" in nothing.text
    missing = editor.post("/rebuttals", data={"csrf_token": token(editor)}, headers={"accept": "text/html"})
    assert missing.status_code == 422 and "missing or invalid: title" in missing.text  # a page, not raw JSON
    # an analyst may decide one by one but not in bulk
    refused = analyst.post("/cases/bulk", data={"csrf_token": token(analyst), "action": "dismiss",
                                                "reason": "duplicate", "case_ids": [ids[1]]})
    assert refused.status_code == 403
