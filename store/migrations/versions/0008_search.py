"""full-text search over articles: a folded (lower-case, diacritic-free) copy of each article's words
(title, and title + text as one document), indexed by SQLite FTS5 or a PostgreSQL tsvector with a GIN index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('article_search',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('article_id'),
    )
    if op.get_bind().dialect.name == "sqlite":
        # an external-content FTS5 index over article_search, kept in step by triggers (plain SQL)
        op.execute("CREATE VIRTUAL TABLE article_fts USING fts5(body, content='article_search', "
                   "content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER article_search_ai AFTER INSERT ON article_search BEGIN "
                   "INSERT INTO article_fts(rowid, body) VALUES (new.article_id, new.body); END")
        op.execute("CREATE TRIGGER article_search_ad AFTER DELETE ON article_search BEGIN "
                   "INSERT INTO article_fts(article_fts, rowid, body) VALUES ('delete', old.article_id, old.body); END")
        op.execute("CREATE TRIGGER article_search_au AFTER UPDATE ON article_search BEGIN "
                   "INSERT INTO article_fts(article_fts, rowid, body) VALUES ('delete', old.article_id, old.body); "
                   "INSERT INTO article_fts(rowid, body) VALUES (new.article_id, new.body); END")
    else:  # matched on the whole document; a title hit ranks higher
        op.execute("ALTER TABLE article_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('simple', body)) STORED")
        op.execute("ALTER TABLE article_search ADD COLUMN tsv_title tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('simple', title)) STORED")
        op.execute("CREATE INDEX ix_article_search_tsv ON article_search USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("article_search_ai", "article_search_ad", "article_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS article_fts")
    op.drop_table('article_search')
