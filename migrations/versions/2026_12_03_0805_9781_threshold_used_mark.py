"""EU thresholds: the mark of a threshold a tender was decided with (used_at, used_by_reference)

The thresholds package reads whether a row is part of a tender's record from the row itself
instead of asking the tenders package (issue 12, part 3). The rows that existing tenders —
active or cancelled — were decided with (same amount and period) are marked with the first of
them.

Revision ID: 2026_12_03_0805_9781
Revises: 2026_12_03_0720_e1a0
Create Date: 2026-12-03 08:05:01.592188
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0805_9781'
down_revision = '2026_12_03_0720_e1a0'
branch_labels = None
depends_on = None

DECIDED_WITH = ("tenders.threshold_amount = eu_thresholds.amount "
                "AND tenders.threshold_valid_from = eu_thresholds.valid_from "
                "AND tenders.threshold_valid_to = eu_thresholds.valid_to")


def upgrade() -> None:
    with op.batch_alter_table('eu_thresholds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('used_by_reference', sa.String(length=40), nullable=True))
    op.execute(f"UPDATE eu_thresholds SET "
               f"used_at = (SELECT MIN(tenders.frozen_at) FROM tenders WHERE {DECIDED_WITH}), "
               f"used_by_reference = (SELECT tenders.reference FROM tenders WHERE {DECIDED_WITH} "
               f"ORDER BY tenders.frozen_at, tenders.id LIMIT 1) "
               f"WHERE EXISTS (SELECT 1 FROM tenders WHERE {DECIDED_WITH})")


def downgrade() -> None:
    with op.batch_alter_table('eu_thresholds', schema=None) as batch_op:
        batch_op.drop_column('used_by_reference')
        batch_op.drop_column('used_at')
