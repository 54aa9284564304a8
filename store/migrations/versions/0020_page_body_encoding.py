"""queued pages stored compressed

The crawl process compresses a fetched page (zlib) before it queues it: a quarter of the bytes go
through the database, and the extraction worker keeps the same compressed bytes as the article's
evidence instead of compressing the page again. Pages queued before this revision have no encoding
(the body as fetched) and are read as they are.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('body_encoding', sa.String(length=16), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()  # the queue as it was before: every body as fetched
    pages = sa.table('pages', sa.column('id', sa.Integer), sa.column('body', sa.LargeBinary),
                     sa.column('body_encoding', sa.String))
    for page_id, body in bind.execute(sa.select(pages.c.id, pages.c.body).where(pages.c.body_encoding == 'zlib')):
        bind.execute(sa.update(pages).where(pages.c.id == page_id)
                     .values(body=zlib.decompress(body), body_encoding=None))
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('body_encoding')
