"""A panicking tagger or a failing article never kills a batch; the failure is recorded."""

from sqlalchemy import select

from pipeline.analyse import analyse_pending
from store import repo
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article


class PanicException(BaseException):
    """Stands in for pyo3's PanicException, which is not an Exception."""


def _articles(engine, n: int) -> None:
    from datetime import UTC, datetime

    with session_scope(engine) as s:
        repo.upsert_sources(s, [{"id": "src", "name": "n", "kind": "domestic", "lang": "vi"}])
        for i in range(n):
            repo.insert_article(s, dict(
                source_id="src", url=f"http://a.vn/{i}", canonical_url=f"http://a.vn/{i}", url_hash=f"{i:064d}",
                title=f"UBND tỉnh Hải Dương họp lần {i}", text="Tỉnh Hải Dương tổ chức hội nghị về đầu tư. " * 5,
                lang="vi", fetched_at=datetime.now(UTC), content_hash="c" * 64, status="new"))


def test_underthesea_panics_are_caught_per_article(sqlite_url, analyser, monkeypatch):
    import underthesea

    def panic(*args, **kwargs):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(underthesea, "word_tokenize", panic)  # the first step of entity tagging
    monkeypatch.setattr(analyser, "with_entities", True)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    _articles(engine, 3)
    report = analyse_pending(engine, analyser, batch_size=2)
    assert report.analysed == 3 and report.failed == 0
    with session_scope(engine) as s:
        errors = s.scalars(select(Article.error)).all()
    assert all(e and "PanicException" in e for e in errors)


def test_an_article_that_breaks_the_models_is_failed_with_a_reason_and_the_rest_go_on(sqlite_url, analyser,
                                                                                        monkeypatch):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    _articles(engine, 4)
    real = analyser.analyse_many

    def picky(docs):
        if any(d.id == "2" for d in docs):
            raise ValueError("model exploded on article 2")
        return real(docs)

    monkeypatch.setattr(analyser, "analyse_many", picky)
    report = analyse_pending(engine, analyser, batch_size=4)
    assert (report.analysed, report.failed) == (3, 1)
    with session_scope(engine) as s:
        failed = s.scalars(select(Article).where(Article.status == "failed")).one()
    assert failed.id == 2 and "model exploded" in failed.error


def test_articles_naming_no_place_of_the_region_skip_the_models(sqlite_url, analyser, monkeypatch):
    from datetime import UTC, datetime

    from store.models import Analysis

    monkeypatch.setattr(analyser, "models_without_signal", False)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    _articles(engine, 1)
    with session_scope(engine) as s:
        repo.insert_article(s, dict(
            source_id="src", url="http://a.vn/far", canonical_url="http://a.vn/far", url_hash="f" * 64,
            title="Giá lúa ở Cần Thơ tăng", text="Nông dân Cần Thơ phấn khởi vì giá lúa tăng mạnh trong tuần. " * 3,
            lang="vi", fetched_at=datetime.now(UTC), content_hash="d" * 64, status="new"))
    analyse_pending(engine, analyser)
    with session_scope(engine) as s:
        versions = dict(s.execute(select(Article.url, Analysis.model_version).join(Analysis)).all())
    assert versions["http://a.vn/far"].endswith("+gazetteer-only")
    assert not versions["http://a.vn/0"].endswith("+gazetteer-only")
