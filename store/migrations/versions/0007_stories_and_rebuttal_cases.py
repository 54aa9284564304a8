"""stories confirmed by analysts; rebuttal cases with their articles and notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('story_members',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('story_key', sa.String(length=64), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('story_key', 'article_id', name='uq_story_members_story_article'),
    )
    op.create_index('ix_story_members_article', 'story_members', ['article_id'], unique=False)
    op.create_table('rebuttal_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_summary', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=True),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('published_urls', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_rebuttal_cases_status'), 'rebuttal_cases', ['status'], unique=False)
    op.create_table('rebuttal_articles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['rebuttal_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'article_id', name='uq_rebuttal_articles_case_article'),
    )
    op.create_index(op.f('ix_rebuttal_articles_article_id'), 'rebuttal_articles', ['article_id'], unique=False)
    op.create_index(op.f('ix_rebuttal_articles_case_id'), 'rebuttal_articles', ['case_id'], unique=False)
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rebuttal_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_case_notes_case_id'), 'case_notes', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_notes_case_id'), table_name='case_notes')
    op.drop_table('case_notes')
    op.drop_index(op.f('ix_rebuttal_articles_case_id'), table_name='rebuttal_articles')
    op.drop_index(op.f('ix_rebuttal_articles_article_id'), table_name='rebuttal_articles')
    op.drop_table('rebuttal_articles')
    op.drop_index(op.f('ix_rebuttal_cases_status'), table_name='rebuttal_cases')
    op.drop_table('rebuttal_cases')
    op.drop_index('ix_story_members_article', table_name='story_members')
    op.drop_table('story_members')
