"""raw pages and evidence stored without PostgreSQL's own compression

The queued page body is written once by the crawl and read once by a worker; PostgreSQL compressing
every 30-50 KB page with pglz on the way in cost more server CPU than the rest of the page's path
through the database. The stored evidence is zlib-compressed by the application already.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = (("pages", "body"), ("articles", "raw_html"), ("article_snapshots", "raw_html"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite stores blobs as they are
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTENDED')
