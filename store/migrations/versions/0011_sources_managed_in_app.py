"""sources edited in the web app are no longer overridden by sources.yaml

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: batch mode would copy the table, and SQLite refuses to drop a table that
    # articles still point at
    op.add_column('sources', sa.Column('managed_in_app', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('managed_in_app')
