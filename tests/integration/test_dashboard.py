"""The dashboard's figures equal what the database holds; its charts are SVG with the numbers underneath."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from review.app import create_app
from store import dashboard, decisions
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article
from tests.fixtures.review import add_flagged_article, add_role_users, login, review_settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_buckets_follow_the_office_calendar():
    start = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 1 December 00:30 in Vietnam
    assert dashboard.bucket_of(start, "day", TZ).isoformat() == "2026-12-01"
    assert dashboard.bucket_of(start, "week", TZ).isoformat() == "2026-11-30"  # a Monday
    assert dashboard.bucket_of(start, "month", TZ).isoformat() == "2026-12-01"
    months = dashboard.buckets(datetime(2026, 1, 31, tzinfo=TZ), datetime(2026, 4, 2, tzinfo=TZ), "month", TZ)
    assert [d.isoformat() for d in months] == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]


def test_the_figures_and_the_page(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    add_role_users(engine)
    now = datetime.now(TZ).replace(hour=12)
    ids = []
    for i, (topic, days_ago) in enumerate((("politics", 0), ("politics", 1), ("economy", 1), ("society", 40))):
        article_id, case_id = add_flagged_article(engine, title=f"Bài {i}", url=f"https://x.example/{i}",
                                                  risk=0.5 + i / 10)
        ids.append(case_id)
        with session_scope(engine, write=True) as s:
            article = s.get(Article, article_id)
            article.published_at = now - timedelta(days=days_ago)
            article.analyses[-1].topic = topic
    reanalysed, _ = add_flagged_article(engine, title="Bài phân tích lại", url="https://x.example/again")
    with session_scope(engine, write=True) as s:  # its newer analysis is the one counted
        s.get(Article, reanalysed).published_at = now
        s.add(Analysis(article_id=reanalysed, model_version="test-2", lang="vi", relevance="focus",
                       relevance_score=0.9, topic="environment", topic_scores={}, sentiment="neutral",
                       sentiment_score=0.5, risk=0.1, flagged=False, reasons=[], places=[], entities=[],
                       risk_components={}))
    with session_scope(engine, write=True) as s:
        decisions.decide(s, ids[0], "confirm", "lan", None)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    with session_scope(engine) as s:
        days, series = dashboard.volume(s, end - timedelta(days=30), end, "day", "topic", TZ)
        assert len(days) == 30 and sum(series["politics"]) == 2 and sum(series["economy"]) == 1
        assert "society" not in series  # forty days ago: outside the period
        assert series["politics"][-1] == 1 and series["politics"][-2] == 1
        assert series["environment"] == [0] * 29 + [1]  # the latest analysis, not the first (politics)
        assert dashboard.flag_rate(s, end - timedelta(days=30), end) == (3, 4)
        assert dashboard.top_sources(s, end - timedelta(days=30), end) == [("Nguồn thử", 4, 3)]
        assert dashboard.case_counts(s)["review_open"] == 4
        delays = dashboard.delays(s, end - timedelta(days=30), end)
        assert delays.decisions == 1 and delays.flag_to_decision_h is not None and delays.flag_to_decision_h >= 0
    client = TestClient(create_app(review_settings(db_url)))
    login(client, "viewer")
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 5 and 'id="volume-topic"' in html and "Chính trị (2)" in html
    assert 'id="flag-rate"><span class="big">75%' in html
    assert client.get("/dashboard?period=year").status_code == 400
    assert client.get("/dashboard?since=2026-12-10&until=2026-12-01").status_code == 400
    weekly = client.get("/dashboard?period=week")
    assert weekly.status_code == 200 and "<svg" in weekly.text
    engine.dispose()


def test_articles_either_side_of_local_midnight_fall_on_their_own_days(migrated_engine):
    before, after = datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC), datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    for i, moment in enumerate((before, after, after + timedelta(minutes=7))):
        article_id, _ = add_flagged_article(migrated_engine, title=f"Nửa đêm {i}", url=f"https://x.example/m{i}")
        with session_scope(migrated_engine, write=True) as s:
            s.get(Article, article_id).published_at = moment
    since, until = datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 2, tzinfo=TZ)
    with session_scope(migrated_engine) as s:
        days, series = dashboard.volume(s, since, until, "day", "topic", TZ)
    assert [d.isoformat() for d in days] == ["2026-11-30", "2026-12-01"]
    assert series == {"politics": [1, 2]}  # 23:59:59 on the 30th; 00:00 and 00:07 on the 1st, Vietnam time
