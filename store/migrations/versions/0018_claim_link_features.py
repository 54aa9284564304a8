"""the matcher's measures on each claim link, for the reranker trained on analysts' decisions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('claim_links', sa.Column('features', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('claim_links', schema=None) as batch_op:
        batch_op.drop_column('features')
