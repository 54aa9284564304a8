"""distributed tasks that kept failing, with their reason

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id'),
    )
    op.create_index(op.f('ix_dead_letters_at'), 'dead_letters', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dead_letters_at'), table_name='dead_letters')
    op.drop_table('dead_letters')
