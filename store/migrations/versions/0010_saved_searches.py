"""saved searches and the matches found after they were saved

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('notify', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_through', sa.Integer(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_saved_searches_owner'), 'saved_searches', ['owner'], unique=False)
    op.create_table('saved_search_matches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['search_id'], ['saved_searches.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('search_id', 'article_id', name='uq_saved_search_matches'),
    )
    op.create_index(op.f('ix_saved_search_matches_search_id'), 'saved_search_matches', ['search_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_saved_search_matches_search_id'), table_name='saved_search_matches')
    op.drop_table('saved_search_matches')
    op.drop_index(op.f('ix_saved_searches_owner'), table_name='saved_searches')
    op.drop_table('saved_searches')
