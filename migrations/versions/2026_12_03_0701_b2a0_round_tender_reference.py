"""Rounds: the Vergabenummer of the active tender frozen from the round

The rounds package reads whether a tender is active from the round itself instead of asking
the tenders package (issue 12, part 3). Active tenders set it on their rounds.

Revision ID: 2026_12_03_0701_b2a0
Revises: 2026_12_03_0700_b1a0
Create Date: 2026-12-03 07:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0701_b2a0'
down_revision = '2026_12_03_0700_b1a0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tender_reference', sa.String(length=40), nullable=True))
    op.execute("UPDATE rounds SET tender_reference = (SELECT tenders.reference FROM tenders "
               "WHERE tenders.round_id = rounds.id AND tenders.status = 'active') "
               "WHERE EXISTS (SELECT 1 FROM tenders WHERE tenders.round_id = rounds.id AND tenders.status = 'active')")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of rounds would have to drop a
    # table that many others reference, which the enforced foreign keys refuse.
    op.drop_column('rounds', 'tender_reference')
