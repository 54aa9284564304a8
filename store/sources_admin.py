"""Sources as the administrator edits them in the web app (validated by config.sources.SourceConfig)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.sources import SourceConfig
from store.models import Article, Source, utcnow
from store.repo import audit


class SourceError(ValueError):
    """A source that cannot be saved (the message is for a person)."""


def validated(values: dict[str, Any]) -> SourceConfig:
    """The config, or SourceError listing what is wrong, field by field."""
    try:
        return SourceConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SourceError(f"nguồn không hợp lệ / invalid source — {problems}") from exc


def save_source(session: Session, config: SourceConfig, actor: str, creating: bool) -> Source:
    """Create or update a source from the app; it is then kept as the app has it (sources.yaml no longer wins)."""
    row = session.get(Source, config.id)
    if creating and row is not None:
        raise SourceError(f"mã nguồn đã có / the id {config.id!r} is taken")
    if not creating and row is None:
        raise SourceError(f"không có nguồn này / no such source {config.id!r}")
    values = config.model_dump(mode="json")
    before = dict(row.config) if row is not None else None
    if row is None:
        row = Source(id=config.id, created_at=utcnow())
        session.add(row)
    row.name, row.kind, row.lang, row.prior = config.name, config.kind.value, config.lang, config.prior
    row.enabled, row.config, row.managed_in_app = config.enabled, values, True
    if creating or (before or {}).get("enabled") is False and config.enabled:
        row.next_due_at = None  # due at once: the daemon collects it on its next look
    session.flush()
    changed = {k: {"before": (before or {}).get(k), "after": v} for k, v in values.items()
               if (before or {}).get(k) != v}
    audit(session, actor, "source.add" if creating else "source.edit", "source", config.id, changed)
    return row


def set_enabled(session: Session, source_id: str, enabled: bool, actor: str) -> Source:
    """Turn a source on (due at once) or off; the change is the app's from now on."""
    row = session.get(Source, source_id)
    if row is None:
        raise SourceError(f"không có nguồn này / no such source {source_id!r}")
    config = validated({**row.config, "enabled": enabled})
    return save_source(session, config, actor, creating=False)


def daily_counts(session: Session, days: int, now: datetime | None = None) -> dict[str, list[int]]:
    """Articles per source per day (UTC days, oldest first) over the last `days` days."""
    now = now or utcnow()
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    out: dict[str, list[int]] = {}
    for source_id, fetched in session.execute(select(Article.source_id, Article.fetched_at)
                                              .where(Article.fetched_at >= start)):
        index = (fetched - start).days
        if 0 <= index < days:
            out.setdefault(source_id, [0] * days)[index] += 1
    return out


def count_all(session: Session) -> dict[str, int]:
    """Articles per source, ever."""
    return {s: int(n) for s, n in session.execute(select(Article.source_id, func.count()).group_by(Article.source_id))}
