"""The queue's facet counts (one grouped query) agree with counting each filter value one by one."""

import random
from dataclasses import replace

from sqlalchemy import update

from store.db import session_scope
from store.models import Analysis, Article, ReviewCase, Source
from store.queue import FACETS, QueueFilter, facet_counts, queue_page
from tests.fixtures.review import add_flagged_article

TOPICS = ["politics", "economy", "society"]
SENTIMENTS = ["negative", "neutral"]


def _seed(engine):
    rng = random.Random(3)
    for i in range(40):
        article_id, case_id = add_flagged_article(engine, title=f"Bài số {i}", text=f"Nội dung {i}.",
                                                  source_id=f"src-{i % 3}", risk=rng.random())
        with session_scope(engine, write=True) as s:
            case = s.get(ReviewCase, case_id)
            s.execute(update(Analysis).where(Analysis.id == case.analysis_id).values(
                topic=rng.choice(TOPICS), sentiment=rng.choice(SENTIMENTS)))
            s.execute(update(Article).where(Article.id == article_id).values(lang=rng.choice(["vi", "en"])))
            s.execute(update(ReviewCase).where(ReviewCase.id == case_id).values(
                status=rng.choice(["open", "open", "dismissed", "confirmed"]),
                assignee=rng.choice([None, "lan", "minh"])))
        if i % 3 == 1:
            with session_scope(engine, write=True) as s:
                s.execute(update(Source).where(Source.id == f"src-{i % 3}").values(kind="foreign"))


def _one_by_one(s, f: QueueFilter, name: str, values) -> dict[str, int]:
    out = {}
    for value in values:
        _, total = queue_page(s, replace(f, **{name: value}), per_page=1)
        if total:
            out[str(value)] = total
    return out


def test_facet_counts_match_counting_each_value(migrated_engine):
    _seed(migrated_engine)
    candidates = {"status": ["open", "dismissed", "confirmed"], "topic": TOPICS, "sentiment": SENTIMENTS,
                  "relevance": ["focus", "mention"], "source_kind": ["overseas_vietnamese", "foreign"],
                  "source": ["src-0", "src-1", "src-2"], "lang": ["vi", "en"], "assignee": ["-", "lan", "minh"]}
    filters = [QueueFilter(status="all"), QueueFilter(status="open"),
               QueueFilter(status="open", topic="politics", lang="vi"),
               QueueFilter(status="all", assignee="-", sentiment="negative", source="src-1")]
    with session_scope(migrated_engine) as s:
        for f in filters:
            counts = facet_counts(s, f)
            assert set(counts) == set(FACETS)
            for name in FACETS:
                assert counts[name] == _one_by_one(s, f, name, candidates[name]), (f, name)
            assert sum(counts["topic"].values()) == queue_page(s, replace(f, topic=""), per_page=1)[1]
