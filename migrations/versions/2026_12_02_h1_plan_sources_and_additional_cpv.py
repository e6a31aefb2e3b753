"""Lot plans: what the build read (sources); lots: additional CPV codes of merged lots

Revision ID: 20261202_h1
Revises: 0006
Create Date: 2026-12-02 17:20:00

Plans built before this revision get sources = '' and count as stale until they are rebuilt
(see einkauf.lots.services.plan_changes); their lots get no additional CPV codes until then.
"""
import sqlalchemy as sa
from alembic import op

revision = '20261202_h1'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('additional_cpv', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_column('additional_cpv')
    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.drop_column('sources')
