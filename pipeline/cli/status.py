"""Status: database revision, article and case counts, last crawl."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.cli.common import add_command, console, engine_of, local_time, settings_of


def cmd_status(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.migrate import current_revision
    from store.models import Article, CrawlRun, ReviewCase

    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    with session_scope(engine) as session:
        by_status = dict(session.execute(select(Article.status, func.count()).group_by(Article.status)).all())
        cases = dict(session.execute(select(ReviewCase.status, func.count()).group_by(ReviewCase.status)).all())
        last = session.scalar(select(func.max(CrawlRun.finished_at)))
    console.print(f"CSDL / database: {settings.database_url} (revision {current_revision(engine)})")
    console.print(f"Bài / articles: {sum(by_status.values())} " + json.dumps(by_status))
    console.print(f"Hồ sơ / review cases: {json.dumps(cases)}")
    console.print(f"Lần thu thập cuối / last crawl: {local_time(last, settings.timezone)} ({settings.timezone})")
    return 0


def register(sub: Any) -> None:
    """Add status."""
    p = add_command(sub, "status", "tình trạng hệ thống / system status")
    p.set_defaults(func=cmd_status)
