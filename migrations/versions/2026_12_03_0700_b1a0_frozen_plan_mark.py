"""Lot plans: the mark of a frozen plan (frozen_at, the active tender's id and Vergabenummer)

The lots package reads whether a plan is frozen from the plan itself instead of asking the
tenders package (issue 12, part 3). Existing tenders set the mark on their plans.

Revision ID: 2026_12_03_0700_b1a0
Revises: 2026_12_03_0650_f1a0
Create Date: 2026-12-03 07:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0700_b1a0'
down_revision = '2026_12_03_0650_f1a0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('frozen_tender_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('frozen_reference', sa.String(length=40), nullable=True))
    op.execute("UPDATE lot_plans SET frozen_at = (SELECT MIN(tenders.frozen_at) FROM tenders "
               "WHERE tenders.plan_id = lot_plans.id) "
               "WHERE EXISTS (SELECT 1 FROM tenders WHERE tenders.plan_id = lot_plans.id)")
    op.execute("UPDATE lot_plans SET "
               "frozen_tender_id = (SELECT tenders.id FROM tenders WHERE tenders.plan_id = lot_plans.id "
               "AND tenders.status = 'active'), "
               "frozen_reference = (SELECT tenders.reference FROM tenders WHERE tenders.plan_id = lot_plans.id "
               "AND tenders.status = 'active') "
               "WHERE EXISTS (SELECT 1 FROM tenders WHERE tenders.plan_id = lot_plans.id "
               "AND tenders.status = 'active')")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of lot_plans would have to drop a
    # table that tenders and lots reference, which the enforced foreign keys refuse.
    op.drop_column('lot_plans', 'frozen_reference')
    op.drop_column('lot_plans', 'frozen_tender_id')
    op.drop_column('lot_plans', 'frozen_at')
