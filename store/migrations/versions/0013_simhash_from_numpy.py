"""articles' SimHash keys recomputed: the key is now the numpy one of nlp.fingerprint (other values)

A story is found by comparing a new article's key with those of the last STORY_WINDOW_DAYS (14): keys of
articles fetched in the last 30 days are recomputed from their stored text; older ones, which no new
article is compared with, are cleared rather than left in the old scheme.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from nlp.fingerprint import simhash
from store.models.core import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

RECENT_DAYS = 30
BATCH = 1000
logger = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                        sa.column('simhash', sa.BigInteger), sa.column('fetched_at', UTCDateTime()))
    bind = op.get_bind()
    since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
    bind.execute(articles.update().where(articles.c.fetched_at < since, articles.c.simhash.is_not(None))
                 .values(simhash=None))
    last, done = 0, 0
    while True:
        rows = bind.execute(sa.select(articles.c.id, articles.c.text)
                            .where(articles.c.id > last, articles.c.fetched_at >= since,
                                   articles.c.simhash.is_not(None))
                            .order_by(articles.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(articles.update().where(articles.c.id == sa.bindparam("article_id"))
                     .values(simhash=sa.bindparam("key")),
                     [{"article_id": r[0], "key": simhash(r[1] or "")} for r in rows])
        last, done = rows[-1][0], done + len(rows)
        logger.info("SimHash keys recomputed: %d", done)


def downgrade() -> None:
    pass  # the keys stay in the new scheme: the older code reads them as keys that match nothing
