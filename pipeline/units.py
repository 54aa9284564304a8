"""The units of work after a crawl: extract a batch of queued pages, analyse a batch of articles.

Each is a plain function of a database URL and ids, so the local worker pool, the scheduled daemon and
(later) Celery workers run the same code. Each reads, computes outside any transaction, then writes
in one short transaction that checks again what is still to do: run twice, killed at any line, or
run by two workers at once, nothing is lost or doubled.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from config.settings import Settings, load_settings
from nlp.analyse import Analyser, Document
from pipeline.analyse import AnalyseReport, analyse_documents, document_of, save_results
from pipeline.claim_links import ClaimLinker, store_links
from pipeline.ingest import IngestRefused, StoryIndex, article_values, store_articles
from pipeline.queued import fetched_page
from store import repo, search
from store.db import DatabaseUnavailable, make_engine, session_scope, wait_for_database
from store.models import Page, Source

logger = logging.getLogger(__name__)

# per process: one engine per database, one story index per database, one analyser
_engines: dict[str, Engine] = {}
_stories: dict[str, StoryIndex] = {}
_analysers: dict[tuple[str, ...], Analyser] = {}


@dataclass
class ExtractOutcome:
    """What one extraction batch did (and, when asked, the analysis of its new articles)."""

    new_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    errors: int = 0
    skipped: int = 0  # already taken off the queue by another worker
    analysis: AnalyseReport | None = None


def engine_for(database_url: str) -> Engine:
    """This process's engine for a database (created once)."""
    engine = _engines.get(database_url)
    if engine is None:
        engine = _engines[database_url] = make_engine(database_url, check=False)
    return engine


def forget_engines() -> None:
    """Drop engines inherited from a parent process (a forked worker must open its own connections)."""
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()
    _stories.clear()


def analyser_for(settings: Settings) -> Analyser:
    """This process's analyser for the settings' models and config (built once)."""
    from pipeline.resources import build_analyser

    key = (str(settings.config_dir), str(settings.model_dir), str(settings.risk_threshold),
           str(settings.analyse_without_signal))
    analyser = _analysers.get(key)
    if analyser is None:
        analyser = _analysers[key] = build_analyser(settings, models_without_signal=settings.analyse_without_signal)
    return analyser


def _extracted(page: Page, overrides: dict[str, str] | None) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return article_values(fetched_page(page), page.run_id, overrides), None
    except IngestRefused as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a page that breaks extraction is quarantined, the batch goes on
        logger.warning("extraction failed for %s", page.url, exc_info=True)
        return None, f"trích xuất lỗi / extraction failed: {type(exc).__name__}: {exc}"[:500]


def _store(engine: Engine, database_url: str, pages: list[tuple[Page, dict[str, Any] | None, str | None]]
           ) -> tuple[ExtractOutcome, dict[int, dict[str, Any]]]:
    """Store what extraction made of these pages in one transaction: the outcome, and the new articles' values."""
    stories = _stories.setdefault(database_url, StoryIndex())
    outcome, stored = ExtractOutcome(), dict[int, dict[str, Any]]()
    try:
        with session_scope(engine, write=True) as session:
            repo.lock_story_writes(session)
            stories.refresh(session)
            still = repo.queued_page_ids(session, [p.id for p, _, _ in pages])
            counts: Counter[tuple[str, str, str]] = Counter()
            titles = repo.title_times(session, [(p.source_id, v["title_hash"]) for p, v, _ in pages if v])
            to_index: list[tuple[int, str, str]] = []
            mine = [item for item in pages if item[0].id in still]
            outcome.skipped = len(pages) - len(mine)
            for (_, values, _), (result, article_id) in zip(
                    mine, store_articles(session, mine, stories, titles, counts, to_index), strict=True):
                if article_id is not None and values is not None:
                    outcome.new_ids.append(article_id)
                    stored[article_id] = values
                outcome.duplicates += result == "duplicate"
                outcome.errors += result == "error"
            search.index_articles(session, to_index)
            repo.take_off_queue(session, still)
            repo.count_crawl_many(session, counts)
    except Exception:
        _stories.pop(database_url, None)  # it may hold stories of articles that were not committed
        raise
    stories.last_id = max([stories.last_id, *outcome.new_ids])
    return outcome, stored


def extract_batch(database_url: str, page_ids: list[int], settings: Settings | None = None,
                  analyse: bool = False) -> ExtractOutcome:
    """Turn queued pages into articles (or duplicates, or quarantine rows with the reason).

    With `analyse`, the new articles are analysed at once from what extraction made of them, as an
    analysis batch would (without reading them back).
    """
    settings = settings or load_settings(database_url=database_url)
    wait_s = settings.database_wait_seconds
    engine = engine_for(database_url)

    def read() -> tuple[list[Page], dict[str, Source]]:
        with session_scope(engine) as session:
            pages = repo.queued_pages(session, page_ids)
            wanted = {p.source_id for p in pages}
            return pages, {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(wanted)))}

    pages, sources = wait_for_database(read, "extract: read", wait_s, logger)
    done = [(page, *_extracted(page, (sources[page.source_id].config or {}).get("extract")
                              if page.source_id in sources else None)) for page in pages]
    outcome, stored = ExtractOutcome(skipped=len(page_ids) - len(pages)), dict[int, dict[str, Any]]()
    store = partial(_store, engine, database_url)
    try:
        # a database that is locked or gone is waited for; the pages stay queued meanwhile
        stored_outcome, stored = wait_for_database(partial(store, done), "extract: store", wait_s, logger)
        outcome = _merged(outcome, stored_outcome)
    except DatabaseUnavailable:
        raise
    except Exception:  # noqa: BLE001 - find the page at fault: store one by one, quarantine the one that fails
        logger.warning("storing a batch of %d pages failed; storing one by one", len(done), exc_info=True)
        for item in done:
            try:
                one, kept = wait_for_database(partial(store, [item]), "extract: store", wait_s, logger)
                outcome = _merged(outcome, one)
                stored.update(kept)
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - recorded with the reason, the batch goes on
                logger.exception("could not store %s", item[0].url)
                give_up_page(database_url, item[0].id, f"store failed: {type(exc).__name__}: {exc}"[:500])
                outcome.errors += 1
    if analyse and stored:
        documents = {}
        for article_id, values in stored.items():
            source = sources.get(values["source_id"])
            documents[article_id] = Document(
                id=str(article_id), title=values["title"], text=values["text"], lang=values["lang"],
                url=values["canonical_url"], source=values["source_id"], source_kind=source.kind if source else None,
                source_prior=float(source.prior) if source else 0.0, clean=True)
        try:
            outcome.analysis = wait_for_database(
                lambda: _analyse_and_save(engine, settings, documents, len(documents)), "analyse", wait_s, logger)
        except Exception:  # noqa: BLE001 - the articles are stored and wait for an analysis batch
            logger.warning("analysing %d new articles failed; they wait for the next batch", len(documents),
                           exc_info=True)
    return outcome


def _merged(into: ExtractOutcome, more: ExtractOutcome) -> ExtractOutcome:
    into.new_ids.extend(more.new_ids)
    into.duplicates += more.duplicates
    into.errors += more.errors
    into.skipped += more.skipped
    return into


def give_up_page(database_url: str, page_id: int, reason: str) -> None:
    """Take a page that cannot be stored off the queue, into quarantine with the reason."""
    with session_scope(engine_for(database_url), write=True) as session:
        row = session.get(Page, page_id)
        if row is None:
            return
        session.delete(row)
        repo.quarantine(session, row.url, reason, row.run_id, row.source_id, row.http_status)
        repo.count_crawl(session, row.run_id or "unknown", row.source_id, errors=1)


def analyse_batch(database_url: str, article_ids: list[int], settings: Settings | None = None) -> AnalyseReport:
    """Analyse the articles among these ids still waiting; flagged ones open review cases."""
    settings = settings or load_settings(database_url=database_url)
    engine = engine_for(database_url)

    def work() -> AnalyseReport:
        with session_scope(engine) as session:
            documents = {a.id: document_of(a) for a in repo.articles_waiting(session, article_ids)}
        return _analyse_and_save(engine, settings, documents, len(article_ids))

    return wait_for_database(work, "analyse", settings.database_wait_seconds, logger)


def _analyse_and_save(engine: Engine, settings: Settings, documents: dict[int, Document], asked: int
                      ) -> AnalyseReport:
    """Run the models outside any transaction, then store the results of the articles still waiting."""
    results = dict(zip(documents, analyse_documents(analyser_for(settings), list(documents.values())), strict=True))
    linker = ClaimLinker(settings, engine)
    found = linker.matches(documents, results)
    outcome = AnalyseReport()
    with session_scope(engine, write=True) as session:
        waiting = repo.articles_waiting(session, list(results), lock=True)
        outcome.skipped = asked - len(waiting)
        save_results(session, [(a, results[a.id]) for a in waiting], outcome, settings.alert_threshold)
        outcome.claim_links = store_links(session, [a.id for a in waiting], found, linker.method())
    return outcome
