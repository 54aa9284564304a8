"""The seed corpus and the demo articles: enough, valid, separate."""

from collections import Counter

from nlp.corpus import SENTIMENTS, TOPICS, load, seed_files, split_of
from nlp.normalise import fold
from pipeline.demo.sites import load_sites


def test_seed_corpus_size_and_coverage():
    examples = load(seed_files())
    assert len(examples) >= 600
    assert {e.lang for e in examples} >= {"vi", "en"}
    assert {e.source_kind for e in examples} == {"domestic", "foreign", "overseas_vietnamese", "blog"}
    topics = Counter(e.topic for e in examples)
    assert set(topics) == set(TOPICS) and min(topics.values()) >= 30
    assert set(Counter(e.sentiment for e in examples)) == set(SENTIMENTS)
    assert sum(1 for e in examples if e.distorted) >= 80
    assert sum(1 for e in examples if e.sentiment == "negative" and e.distorted is False) >= 80
    assert sum(1 for e in examples if e.relevance == "none") >= 100
    assert len({e.id for e in examples}) == len(examples)


def test_split_is_stable_and_about_one_fifth():
    ids = [e.id for e in load(seed_files())]
    test = [i for i in ids if split_of(i) == "test"]
    assert 0.12 < len(test) / len(ids) < 0.28
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]


def test_demo_sites_are_big_enough_and_kept_apart_from_the_seed():
    sites = load_sites()
    articles = [a for s in sites for a in s.articles]
    assert len(sites) >= 3 and len(articles) >= 60
    assert {s.kind for s in sites} >= {"domestic", "foreign", "overseas_vietnamese"}
    assert any(a.expected["flag"] for a in articles)
    for a in articles:
        words = len(" ".join([a.summary, *a.body]).split())
        assert 150 <= words <= 400, (a.slug, words)
    seed_titles = {fold(e.title) for e in load(seed_files())}
    assert not seed_titles & {fold(a.title) for a in articles}
