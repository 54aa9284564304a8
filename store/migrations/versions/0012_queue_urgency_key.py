"""review cases carry their urgency key, so the queue is ranked and paged by the database

The key is log2(risk) + (hours since 1970 of the piece's date) / half-life: ordering by it is ordering by
risk × 0.5^(age / half-life) at any moment, so it is computed once, when the case opens.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from store.models.core import UTCDateTime
from store.queue import urgency_key

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('review_cases', sa.Column('urgency', sa.Float(), nullable=True))
    op.create_index('ix_review_cases_status_urgency', 'review_cases', ['status', 'urgency'])
    cases = sa.table('review_cases', sa.column('id', sa.Integer), sa.column('article_id', sa.Integer),
                     sa.column('analysis_id', sa.Integer), sa.column('urgency', sa.Float),
                     sa.column('opened_at', UTCDateTime()))
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('published_at', UTCDateTime()),
                        sa.column('fetched_at', UTCDateTime()))
    analyses = sa.table('analyses', sa.column('id', sa.Integer), sa.column('risk', sa.Float))
    bind = op.get_bind()
    rows = bind.execute(sa.select(cases.c.id, analyses.c.risk, articles.c.published_at, articles.c.fetched_at,
                                  cases.c.opened_at)
                        .join(articles, articles.c.id == cases.c.article_id)
                        .join(analyses, analyses.c.id == cases.c.analysis_id)).all()
    values = [{"case_id": r[0], "key": urgency_key(r[1], r[2], r[3], r[4])} for r in rows]
    for start in range(0, len(values), 5000):
        bind.execute(cases.update().where(cases.c.id == sa.bindparam("case_id"))
                     .values(urgency=sa.bindparam("key")), values[start:start + 5000])


def downgrade() -> None:
    op.drop_index('ix_review_cases_status_urgency', table_name='review_cases')
    with op.batch_alter_table('review_cases', schema=None) as batch_op:
        batch_op.drop_column('urgency')
