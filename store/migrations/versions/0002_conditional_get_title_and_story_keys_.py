"""conditional get, title and story keys, source health

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table('entry_points',
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('body_hash', sa.String(length=64), nullable=True),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('url_hash')
    )
    with op.batch_alter_table('entry_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_points_source_id'), ['source_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('simhash', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_articles_source_title', ['source_id', 'title_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_story_id'), ['story_id'], unique=False)

    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_errors', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('unchanged', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_new_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consecutive_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('current_interval_minutes', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True))

def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('next_due_at')
        batch_op.drop_column('current_interval_minutes')
        batch_op.drop_column('consecutive_failures')
        batch_op.drop_column('last_new_at')

    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('unchanged')
        batch_op.drop_column('entry_errors')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_story_id'))
        batch_op.drop_index('ix_articles_source_title')
        batch_op.drop_column('simhash')
        batch_op.drop_column('title_hash')

    with op.batch_alter_table('entry_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_points_source_id'))

    op.drop_table('entry_points')

