"""Stories and rebuttal cases in the store, on SQLite and PostgreSQL: a story's members follow a decision,
a case is due by its SLA, publishing needs a complete rebuttal and locks it, every step is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from review.claimreview import VERDICTS
from store import cases, decisions, stories
from store.db import session_scope
from store.models import Article, AuditEvent, ReviewCase
from tests.fixtures.review import add_flagged_article


@pytest.fixture
def engine(migrated_engine):  # type: ignore[no-untyped-def]
    return migrated_engine


def _same_story(engine) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    a, case_a = add_flagged_article(engine, title="Bài gốc về Kinh Môn", source_id="goc", url="https://a.example/1")
    b, case_b = add_flagged_article(engine, title="Bài đăng lại về Kinh Môn", source_id="lai", url="https://b.example/1")
    with session_scope(engine, write=True) as s:
        for article_id in (a, b):
            s.get(Article, article_id).story_id = "story-kinh-mon"
    return a, case_a, b, case_b


def test_a_decision_on_a_story_holds_for_its_confirmed_members_only(engine):
    a, case_a, b, case_b = _same_story(engine)
    c, case_c = add_flagged_article(engine, title="Bài khác", source_id="khac", url="https://c.example/1")
    with session_scope(engine, write=True) as s:
        anchor = s.get(Article, a)
        assert [x.id for x in stories.suggestions(s, anchor)] == [b]
        stories.judge(s, anchor, b, "confirmed", "lan")
        assert stories.suggestions(s, anchor) == []  # judged: not suggested again
        decisions.decide(s, case_a, "confirm", "lan", 1)
    with session_scope(engine) as s:
        assert s.get(ReviewCase, case_b).status == "confirmed" and s.get(ReviewCase, case_b).decided_by == "lan"
        assert s.get(ReviewCase, case_c).status == "open"
        line = stories.timeline(s, s.get(Article, b))
        assert [e.article.id for e in line] == sorted([a, b], key=lambda i: (s.get(Article, i).fetched_at, i))
        via = s.scalar(select(AuditEvent).where(AuditEvent.object_id == str(case_b),
                                                AuditEvent.action == "case.confirm"))
        assert via is not None and via.detail["via_story_of_case"] == case_a


def test_a_case_from_publish_to_close(engine):
    a, _, b, _ = _same_story(engine)
    with session_scope(engine, write=True) as s:
        stories.judge(s, s.get(Article, a), b, "confirmed", "lan")
        case = cases.open_case(s, "Phản bác về Kinh Môn", [a], "lan", timedelta(days=3))
        assert sorted(ra.article_id for ra in cases.get_case(s, case.id).articles) == sorted([a, b])
        assert not cases.is_overdue(case)
        assert cases.is_overdue(case, now=case.due_at + timedelta(minutes=1))
        with pytest.raises(cases.CaseError, match="missing"):
            cases.set_status(s, case, "published", "minh", case.version)
        with pytest.raises(cases.CaseError, match="http"):
            cases.save_rebuttal(s, case, "minh", case.version, "Luận điệu", "false", "Sự thật", "ftp://x", "")
        cases.save_rebuttal(s, case, "minh", case.version, "Luận điệu sai", "false", "Sự thật là…",
                            "https://office.example/phan-bac", "")
        old = case.version
        cases.set_status(s, case, "published", "minh", case.version)
        assert case.locked and case.published_at is not None
        with pytest.raises(cases.CaseError, match="locked"):
            cases.save_rebuttal(s, case, "minh", case.version, "Sửa", "true", "x", "https://o.example/", "")
        with pytest.raises(cases.CaseError, match="changed"):
            cases.set_status(s, case, "closed", "minh", old)
        with pytest.raises(cases.CaseError, match="locked"):
            cases.set_status(s, case, "drafting", "minh", case.version)
        cases.add_note(s, case, "minh", "Báo đã gỡ bài sau khi phản bác được đăng.")  # notes go on after
        cases.set_status(s, case, "closed", "minh", case.version)
        case_id = case.id
    with session_scope(engine) as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "rebuttal_case", AuditEvent.object_id == str(case_id)).order_by(AuditEvent.id))]
    assert actions == ["rebuttal.open", "rebuttal.articles", "rebuttal.edit", "rebuttal.status", "rebuttal.note",
                       "rebuttal.status"]


def test_the_stores_verdicts_are_the_claimreview_verdicts():
    assert set(cases.VERDICTS) == set(VERDICTS)
