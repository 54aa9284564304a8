"""Storage on SQLite and on the PostgreSQL server: migrations, idempotent insert, UTC, cases."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from crawlers.canonical import url_hash
from nlp.fingerprint import simhash
from store import repo
from store.db import DatabaseError, make_engine, session_scope
from store.migrate import current_revision, head_revision, upgrade
from store.models import Article, AuditEvent, ReviewCase
from store.queue import urgency_key
from tests.conftest import engine_with_source

_engine = engine_with_source


def _values(n: int = 1, **kw):
    values = dict(source_id="src", url=f"http://a.vn/{n}", canonical_url=f"http://a.vn/{n}",
                  url_hash=f"{n:064d}", title=f"Bài {n}", text="Nội dung", lang="vi",
                  fetched_at=datetime.now(UTC), content_hash="c" * 64, status="new")
    values.update(kw)
    return values


def test_migrations_reach_head_and_are_repeatable(db_url):
    engine = _engine(db_url)
    upgrade(engine)
    newest = max(p.name[:4] for p in (Path(__file__).parents[2] / "store/migrations/versions").glob("0*.py"))
    assert current_revision(engine) == head_revision(engine) == newest


def test_a_database_with_data_upgrades_from_the_first_revision(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, kind, lang, prior, enabled, config, created_at, "
                          "updated_at) VALUES ('old', 'Cũ', 'blog', 'vi', 0, true, '{}', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO articles (source_id, url, canonical_url, url_hash, title, text, lang, "
                          "fetched_at, content_hash, raw_encoding, status) VALUES ('old', "
                          "'https://www.a.vn/2022/09/bai/?utm_source=x', 'https://a.vn/2022/09/bai', 'h', 't', "
                          "'x', 'vi', CURRENT_TIMESTAMP, 'c', 'zlib', 'new')"))
        conn.execute(text("INSERT INTO articles (source_id, url, canonical_url, url_hash, title, text, lang, "
                          "fetched_at, content_hash, raw_encoding, status) VALUES ('old', "
                          "'https://hảidương.vn/tin.html', 'https://hảidương.vn/tin.html', 'idn', 't2', "
                          "'x', 'vi', CURRENT_TIMESTAMP, 'c2', 'zlib', 'new')"))
    upgrade(engine)
    with session_scope(engine) as s:
        source = repo.list_sources(s)[0]
        assert (source.id, source.consecutive_failures) == ("old", 0)
        # 0003: the key of the announced URL, so a known URL is an indexed lookup
        rows = {a.title: a for a in s.scalars(select(Article))}
        assert rows["t"].announced_hash == url_hash("https://a.vn/2022/09/bai") and rows["t"].url_hash == "h"
        # keys built on w3lib: an IDN host is folded to punycode, and the stored key follows
        assert rows["t2"].canonical_url == "https://xn--hidng-wob8hx63z.vn/tin.html"
        assert rows["t2"].url_hash == url_hash("https://hảidương.vn/tin.html")


def test_second_insert_of_the_same_canonical_url_is_a_no_op(db_url):
    engine = _engine(db_url)
    with session_scope(engine) as s:
        first = repo.insert_article(s, _values(1))
        again = repo.insert_article(s, _values(1, title="khác"))
    assert first is not None and again is None
    with session_scope(engine) as s:
        assert s.scalar(select(Article.title)) == "Bài 1"
        assert repo.count_articles(s) == 1


def test_times_round_trip_as_utc(db_url):
    engine = _engine(db_url)
    hanoi = timezone(timedelta(hours=7))
    published = datetime(2026, 11, 20, 8, 30, tzinfo=hanoi)
    with session_scope(engine) as s:
        repo.insert_article(s, _values(2, published_at=published))
    with session_scope(engine) as s:
        stored = s.scalar(select(Article.published_at))
    assert stored == published and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 1


def test_naive_datetimes_are_refused(db_url):
    engine = _engine(db_url)
    with pytest.raises(Exception, match="naive"):
        with session_scope(engine) as s:
            s.add(Article(**_values(3, fetched_at=datetime(2026, 1, 1))))
            s.flush()


def test_flagged_analysis_opens_one_case_with_an_audit_event(db_url):
    engine = _engine(db_url)
    with session_scope(engine) as s:
        article_id = repo.insert_article(s, _values(4))
    values = dict(model_version="t", lang="vi", relevance="focus", relevance_score=0.9, topic="politics",
                  topic_scores={"politics": 1.0}, sentiment="negative", sentiment_score=0.9, risk=0.8,
                  flagged=True, reasons=["lý do"], places=["Hải Dương"], entities=[], risk_components={})
    for _ in range(2):
        with session_scope(engine) as s:
            article = s.get(Article, article_id)
            repo.save_analysis(s, article, values, alert_threshold=0.75)
    with session_scope(engine) as s:
        assert len(s.scalars(select(ReviewCase)).all()) == 1
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["case.open", "alert.raise"]
        assert events[0].detail["reasons"] == ["lý do"] and events[0].actor == "system"
        assert repo.flagged_cases(s)[0].analysis.risk == 0.8


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 10_000


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(DatabaseError, match="cannot connect"):
        make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError, match="invalid database URL"):
        make_engine("nosuchdb://x")


def test_open_cases_gain_their_urgency_key_on_upgrade(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0011")
    with session_scope(engine) as s:
        repo.upsert_sources(s, [{"id": "src", "name": "Nguồn", "kind": "domestic", "lang": "vi", "prior": 0.2}])
    published = datetime(2026, 11, 30, 8, tzinfo=UTC)
    with session_scope(engine, write=True) as conn:  # a case opened before the key existed
        article_id = repo.insert_article(conn, _values(published_at=published))
        conn.execute(text("INSERT INTO analyses (article_id, model_version, created_at, lang, relevance, "
                          "relevance_score, topic, topic_scores, sentiment, sentiment_score, risk, flagged, "
                          "reasons, places, entities, risk_components) VALUES (:a, 'm', CURRENT_TIMESTAMP, 'vi', "
                          "'focus', 1, 'politics', '{}', 'negative', 1, 0.8, true, '[]', '[]', '[]', '{}')"),
                     {"a": article_id})
        conn.execute(text("INSERT INTO review_cases (article_id, analysis_id, status, opened_at, updated_at, "
                          "version) SELECT :a, id, 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 "
                          "FROM analyses"), {"a": article_id})
    upgrade(engine)
    with session_scope(engine) as s:
        case = s.scalars(select(ReviewCase)).one()
        assert case.urgency == pytest.approx(urgency_key(0.8, published, published, case.opened_at))


def test_recent_simhash_keys_are_recomputed_and_old_ones_cleared_on_upgrade(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0012")
    with session_scope(engine) as s:
        repo.upsert_sources(s, [{"id": "src", "name": "Nguồn", "kind": "domestic", "lang": "vi", "prior": 0.2}])
    text_ = "Ủy ban nhân dân tỉnh Hải Dương vừa ban hành kế hoạch cải tạo đường tỉnh trong năm nay."
    now = datetime.now(UTC)
    with session_scope(engine, write=True) as s:
        recent = repo.insert_article(s, _values(1, text=text_, simhash=12345, fetched_at=now - timedelta(days=2)))
        old = repo.insert_article(s, _values(2, text=text_, simhash=12345, fetched_at=now - timedelta(days=90)))
        unkeyed = repo.insert_article(s, _values(3, text=text_, fetched_at=now))
    upgrade(engine)
    with session_scope(engine) as s:
        keys = {a.id: a.simhash for a in s.scalars(select(Article))}
    assert keys == {recent: simhash(text_), old: None, unkeyed: None}
