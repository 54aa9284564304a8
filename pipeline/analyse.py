"""Analyse stage: batches of new articles → Analysis rows, review cases for flagged ones."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from nlp.analyse import Analyser, AnalysisResult, Document
from store import repo
from store.db import session_scope
from store.models import Article

logger = logging.getLogger(__name__)


@dataclass
class AnalyseReport:
    """How many articles were analysed, flagged and failed."""

    analysed: int = 0
    flagged: int = 0
    cases_opened: int = 0
    alerts: int = 0
    claim_links: int = 0
    failed: int = 0
    skipped: int = 0  # taken by another process between the read and the write

    def add(self, other: AnalyseReport) -> None:
        """Add another report's counts to this one."""
        for name in ("analysed", "flagged", "cases_opened", "alerts", "claim_links", "failed", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def document_of(article: Article) -> Document:
    """The NLP input for a stored article."""
    source = article.source
    return Document(id=str(article.id), title=article.title, text=article.text, lang=article.lang,
                    url=article.canonical_url, source=article.source_id,
                    source_kind=source.kind if source else None,
                    source_prior=float(source.prior) if source else 0.0, clean=True)


def analysis_values(result: AnalysisResult) -> dict[str, Any]:
    """The Analysis columns for a result."""
    data = asdict(result)
    for field_name in ("id", "errors", "evidence"):  # not columns: the evidence is what train weighs
        data.pop(field_name)
    return data


def analyse_documents(analyser: Analyser, documents: list[Document]) -> list[AnalysisResult | Exception]:
    """Results in order; an article the analyser fails on gets its exception instead of a result."""
    try:
        return list(analyser.analyse_many(documents))
    except Exception:  # noqa: BLE001 - fall back to one by one to find the article at fault
        logger.warning("batch analysis failed; retrying one by one", exc_info=True)
    out: list[AnalysisResult | Exception] = []
    for document in documents:
        try:
            out.append(analyser.analyse(document))
        except Exception as exc:  # noqa: BLE001 - recorded on the article, the batch goes on
            out.append(exc)
    return out


def save_results(session: Session, pairs: list[tuple[Article, AnalysisResult | Exception]], report: AnalyseReport,
                 alert_threshold: float | None) -> None:
    """Store each article's analysis (or its failure) in the caller's transaction, counting as it goes."""
    for article, result in pairs:
        if isinstance(result, Exception):
            repo.mark_failed(session, article, f"{type(result).__name__}: {result}")
            report.failed += 1
            continue
        analysis, case = repo.save_analysis(session, article, analysis_values(result), alert_threshold)
        if result.errors:  # e.g. the entity tagger panicked: analysed anyway, the failure kept
            article.error = "; ".join(result.errors)[:2000]
        report.analysed += 1
        report.flagged += int(analysis.flagged)
        opened = case is not None and case.analysis_id == analysis.id
        report.cases_opened += int(opened)
        report.alerts += int(opened and alert_threshold is not None and analysis.risk >= alert_threshold)


def analyse_pending(engine: Engine, analyser: Analyser, batch_size: int = 50, limit: int | None = None,
                    progress: Callable[[AnalyseReport], None] | None = None,
                    alert_threshold: float | None = None, linker: Any = None) -> AnalyseReport:
    """Analyse waiting articles in batches, each batch one transaction (restartable at any point).

    The models run outside the transaction; the write checks again which articles still wait, so a
    second process analysing at the same time never doubles an analysis.
    """
    report = AnalyseReport()
    while limit is None or report.analysed + report.failed < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.analysed - report.failed)
        with session_scope(engine) as session:
            articles = repo.articles_waiting(session, repo.waiting_article_ids(session, size))
            documents = {a.id: document_of(a) for a in articles}
        if not documents:
            break
        results = dict(zip(documents, analyse_documents(analyser, list(documents.values())), strict=True))
        found = linker.matches(documents, results) if linker is not None else {}
        with session_scope(engine, write=True) as session:
            waiting = repo.articles_waiting(session, list(results), lock=True)
            save_results(session, [(a, results[a.id]) for a in waiting], report, alert_threshold)
            if found:
                from pipeline.claim_links import store_links

                report.claim_links += store_links(session, [a.id for a in waiting], found, linker.method())
        if progress is not None:
            progress(report)
    return report
