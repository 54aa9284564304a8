"""Export stored articles as JSONL, CSV or XLSX (the JSONL form is the documented contract)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from store import repo
from store.models import Analysis, Article, ReviewCase

CONTRACT_KEYS = ("id", "lang", "relevance", "relevance_score", "topic", "topic_scores", "sentiment",
                 "sentiment_score", "risk", "flagged", "reasons", "places")
FLAT_COLUMNS = ("canonical_url", "url", "source_id", "title", "published_at", "fetched_at", "lang",
                "content_hash", "story_id", "relevance", "relevance_score", "topic", "sentiment",
                "sentiment_score", "risk", "flagged", "reasons", "places", "case_id", "case_status", "text")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def analysis_contract(article: Article, analysis: Analysis | None) -> dict[str, Any] | None:
    """An analysis in the same shape as a `classify` output line."""
    if analysis is None:
        return None
    return {
        "id": str(article.id), "lang": analysis.lang, "relevance": analysis.relevance,
        "relevance_score": analysis.relevance_score, "topic": analysis.topic,
        "topic_scores": analysis.topic_scores, "sentiment": analysis.sentiment,
        "sentiment_score": analysis.sentiment_score, "risk": analysis.risk, "flagged": analysis.flagged,
        "reasons": analysis.reasons, "places": analysis.places,
    }


def export_record(article: Article, case: ReviewCase | None) -> dict[str, Any]:
    """One stored article as an export line."""
    return {
        "canonical_url": article.canonical_url, "url": article.url, "source_id": article.source_id,
        "title": article.title, "text": article.text, "published_at": _iso(article.published_at),
        "fetched_at": _iso(article.fetched_at), "lang": article.lang, "content_hash": article.content_hash,
        "story_id": article.story_id,
        "analysis": analysis_contract(article, repo.latest_analysis(article)),
        "case": {"id": case.id, "status": case.status} if case else None,
    }


def records(session: Session, since: datetime | None, flagged_only: bool) -> Iterator[dict[str, Any]]:
    """Export lines, oldest first."""
    for article, case in repo.iter_articles(session, since=since, flagged_only=flagged_only):
        yield export_record(article, case)


def flat(record: dict[str, Any]) -> list[Any]:
    """One export line as a spreadsheet row (FLAT_COLUMNS)."""
    analysis = record["analysis"] or {}
    case = record["case"] or {}
    row = dict(record)
    row.update({k: analysis.get(k) for k in ("relevance", "relevance_score", "topic", "sentiment",
                                             "sentiment_score", "risk", "flagged")})
    row["reasons"] = " | ".join(analysis.get("reasons") or [])
    row["places"] = ", ".join(analysis.get("places") or [])
    row["case_id"] = case.get("id")
    row["case_status"] = case.get("status")
    return [row.get(c) for c in FLAT_COLUMNS]


def write(rows: Iterator[dict[str, Any]], fmt: str, out: IO[str] | Path) -> int:
    """Write the lines in the format; returns how many were written."""
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        assert isinstance(out, Path)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("articles")
        sheet.append(list(FLAT_COLUMNS))
        for record in rows:
            sheet.append(flat(record))
            count += 1
        book.save(out)
        return count
    assert not isinstance(out, Path)
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(FLAT_COLUMNS)
        for record in rows:
            writer.writerow(flat(record))
            count += 1
        return count
    for record in rows:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
