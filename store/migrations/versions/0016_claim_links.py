"""known claims: analysts' variant phrasings and the articles that repeat a case's claim

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('claim_variants',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rebuttal_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_claim_variants_case_id'), 'claim_variants', ['case_id'], unique=False)
    op.create_table('claim_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['rebuttal_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'article_id', name='uq_claim_links_case_article'),
    )
    op.create_index('ix_claim_links_article', 'claim_links', ['article_id'], unique=False)
    op.create_index(op.f('ix_claim_links_case_id'), 'claim_links', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_links_case_id'), table_name='claim_links')
    op.drop_index('ix_claim_links_article', table_name='claim_links')
    op.drop_table('claim_links')
    op.drop_index(op.f('ix_claim_variants_case_id'), table_name='claim_variants')
    op.drop_table('claim_variants')
