"""Tenders: the announced price method for price points

Revision ID: 2026_12_03_0650_f1a0
Revises: 20261202_h2_b
Create Date: 2026-12-03 07:00:00

Tenders frozen before this revision announced the linear ratio (lowest lot total ÷ the bid's
lot total × maximum points) in their stored scoring formula, so they get 'ratio'.
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0650_f1a0'
down_revision = '20261202_h2_b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_method', sa.String(length=20), nullable=False, server_default='ratio'))


def downgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_column('price_method')
