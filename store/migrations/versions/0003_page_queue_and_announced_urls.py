"""page queue between crawl and extraction; announced and final URLs of articles

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('final_url', sa.Text(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=False),
    sa.Column('encoding', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url_hash'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pages_source_id'), ['source_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('announced_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_articles_announced_hash'), ['announced_hash'], unique=False)

    # Stored articles get the key of the URL they were announced under, so that a known URL is
    # found by an indexed lookup instead of a load of every stored URL. The canonical keys are
    # recomputed too: canonical URLs are now built on w3lib, which folds IDN hosts to punycode and
    # removes dot segments. A row whose new key another row already has keeps its old key.
    from crawlers.canonical import canonical_url, url_hash

    conn = op.get_bind()
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('url', sa.Text),
                        sa.column('canonical_url', sa.Text), sa.column('url_hash', sa.String),
                        sa.column('announced_hash', sa.String))
    taken = set(conn.execute(sa.select(articles.c.url_hash)).scalars())
    last = 0
    while True:
        rows = conn.execute(sa.select(articles.c.id, articles.c.url, articles.c.canonical_url, articles.c.url_hash)
                            .where(articles.c.id > last).order_by(articles.c.id).limit(1000)).all()
        if not rows:
            break
        updates = []
        for article_id, url, canonical, key in rows:
            try:
                new_canonical = canonical_url(canonical)
                announced = url_hash(url)
            except ValueError:
                new_canonical, announced = canonical, None
            new_key = url_hash(new_canonical) if new_canonical != canonical else key
            if new_key != key and new_key in taken:
                new_canonical, new_key = canonical, key
            taken.add(new_key)
            updates.append({'row_id': article_id, 'canonical': new_canonical, 'key': new_key, 'announced': announced})
        conn.execute(articles.update().where(articles.c.id == sa.bindparam('row_id'))
                     .values(canonical_url=sa.bindparam('canonical'), url_hash=sa.bindparam('key'),
                             announced_hash=sa.bindparam('announced')), updates)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_announced_hash'))
        batch_op.drop_column('announced_hash')
        batch_op.drop_column('final_url')

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pages_source_id'))

    op.drop_table('pages')
