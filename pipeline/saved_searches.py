"""Re-run every saved search over the articles analysed since its last run; record the new matches."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine

from nlp.query import QueryError, parse_query
from store import saved
from store import search as store_search
from store.db import session_scope
from store.models import SavedSearch
from store.queue import QueueFilter, queue_page

logger = logging.getLogger(__name__)
MAX_MATCHES = 10_000  # per saved search and run: a search this broad is a filter, not an alert


def run_saved_searches(engine: Engine) -> int:
    """One pass over every saved search (each in its own transaction); returns how many new matches."""
    with session_scope(engine) as session:
        ids = list(session.scalars(select(SavedSearch.id).order_by(SavedSearch.id)))
    found = 0
    for search_id in ids:
        with session_scope(engine, write=True) as session:
            row = session.get(SavedSearch, search_id)
            if row is None:
                continue
            through = saved.analysed_through(session)
            if through <= row.checked_through:
                continue
            filters = dict(row.filters)
            f = QueueFilter(**{"status": "all" if row.query else "open", **filters},
                            after_id=row.checked_through, through_id=through)
            if row.query:
                try:
                    parsed = parse_query(row.query)
                except QueryError:
                    logger.warning("saved search %d (%s) has a query that cannot run: %r", row.id, row.name,
                                   row.query)
                    row.checked_through = through
                    continue
                hits, _ = store_search.search(session, parsed.terms, parsed.phrases, parsed.excluded, f,
                                              "oldest", 1, MAX_MATCHES)
                article_ids = [h.article.id for h in hits]
            else:
                cases, _ = queue_page(session, f, 1, MAX_MATCHES)
                article_ids = [c.article_id for c in cases]
            new = saved.record_matches(session, row, article_ids, through)
            if new:
                logger.info("saved search %d (%s) of %s: %d new matches", row.id, row.name, row.owner, new)
            found += new
    return found
