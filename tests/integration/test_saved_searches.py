"""Saved searches re-run over what was analysed since: new matches recorded once, nothing skipped while an
article waits for analysis, a queue filter saved without words works too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nlp.query import search_words
from pipeline.saved_searches import run_saved_searches
from store import repo, saved, search
from store.db import session_scope
from store.models import Analysis, Article
from tests.fixtures.review import add_flagged_article


@pytest.fixture
def engine(migrated_engine):  # type: ignore[no-untyped-def]
    return migrated_engine


def test_new_matches_once_and_none_missed_while_analysis_waits(engine):
    add_flagged_article(engine, title="Kinh Môn: tin cũ", url="https://x.example/old")  # before the save
    with session_scope(engine, write=True) as s:
        words = saved.save(s, "lan", "Kinh Môn", "kinh mon -\"khai thac\"", {}, "daily")
        topic = saved.save(s, "lan", "Chính trị chờ duyệt", "", {"topic": "politics", "status": "open"}, "app")
        words_id, topic_id = words.id, topic.id
    assert run_saved_searches(engine) == 0  # nothing new since the save

    match, _ = add_flagged_article(engine, title="Người dân Kinh Môn bức xúc", url="https://x.example/1")
    add_flagged_article(engine, title="Kinh Môn khai thác đá", url="https://x.example/2")  # excluded word
    add_flagged_article(engine, title="Chí Linh mùa lễ hội", url="https://x.example/3")  # other words
    # stored but not analysed yet: the searches must come back for it
    with session_scope(engine, write=True) as s:
        src = s.scalar(select(Article.source_id))
        waiting = Article(source_id=src, url="https://x.example/4", canonical_url="https://x.example/4",
                          url_hash="w4", title="Kinh Môn: bài chờ phân tích", text="Nội dung.", lang="vi",
                          content_hash="c4", status="new")
        s.add(waiting)
        s.flush()
        search.index_article(s, waiting.id, search_words(waiting.title), search_words(waiting.text))
        waiting_id = waiting.id
    assert run_saved_searches(engine) == 4  # words: the first only; topic: the three flagged (politics)
    assert run_saved_searches(engine) == 0  # nothing twice
    with session_scope(engine, write=True) as s:
        article = s.get(Article, waiting_id)
        repo.save_analysis(s, article, {
            "model_version": "t", "lang": "vi", "relevance": "focus", "relevance_score": 0.9, "topic": "society",
            "topic_scores": {}, "sentiment": "negative", "sentiment_score": 0.7, "risk": 0.2, "flagged": False,
            "reasons": [], "places": [], "entities": [], "risk_components": {}})
    assert run_saved_searches(engine) == 1  # the waiting article, now analysed: found, not skipped
    with session_scope(engine) as s:
        assert [a.id for _, a in saved.matches(s, words_id)] == [waiting_id, match]
        assert len(saved.matches(s, topic_id)) == 3
        listed = dict((row.id, n) for row, n in saved.of_owner(s, "lan"))
        assert listed == {words_id: 2, topic_id: 3}
        assert s.scalar(select(Analysis.topic).where(Analysis.article_id == waiting_id)) == "society"
    with session_scope(engine, write=True) as s:
        saved.mark_seen(s, words_id)
        with pytest.raises(saved.SavedSearchError):
            saved.get_own(s, "minh", words_id)  # another analyst's search is not theirs to read
        with pytest.raises(saved.SavedSearchError):
            saved.save(s, "lan", "trống", "", {}, "app")
    with session_scope(engine) as s:
        assert dict((row.id, n) for row, n in saved.of_owner(s, "lan"))[words_id] == 0
