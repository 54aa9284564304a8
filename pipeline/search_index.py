"""Make articles stored before search existed findable (new ones are indexed as they are stored)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine

from nlp.query import search_words
from store import search
from store.db import session_scope
from store.models import Article

logger = logging.getLogger(__name__)


def index_missing(engine: Engine, batch: int = 500) -> int:
    """Index every stored article search does not know yet, a batch per transaction; returns how many."""
    done = 0
    while True:
        with session_scope(engine, write=True) as session:
            ids = search.unindexed_ids(session, batch)
            if not ids:
                break
            for article_id, title, text in session.execute(
                    select(Article.id, Article.title, Article.text).where(Article.id.in_(ids))):
                search.index_article(session, article_id, search_words(title), search_words(text))
        done += len(ids)
        logger.info("search: %d older articles indexed", done)
    return done
