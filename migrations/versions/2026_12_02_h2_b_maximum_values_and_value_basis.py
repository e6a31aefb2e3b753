"""Maximum values of positions, lots, plans and tenders; the value basis of rounds and tenders

Revision ID: 20261202_h2_b
Revises: 20261202_h2_a
Create Date: 2026-12-02 17:35:00

Existing rows are filled in: a position's maximum value is maximum quantity × reference price,
half-up to cents (thousandths × cents + 500) div 1000 — the same as the pure plan; lots and
plans sum them. Tenders frozen before this revision were decided on the estimate, so they get
value_basis 'estimate'; rounds get the default 'maximum' (checked by the round service; no
CHECK constraint, which would make SQLite rebuild the referenced rounds table).
"""
import sqlalchemy as sa
from alembic import op

revision = '20261202_h2_b'
down_revision = '20261202_h2_a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maximum_value', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maximum_value', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maximum_total', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_basis', sa.String(length=20), nullable=False,
                                      server_default='maximum'))
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maximum_total', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('value_basis', sa.String(length=20), nullable=False, server_default='maximum'))
    with op.batch_alter_table('tender_lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maximum_value', sa.BigInteger(), nullable=False, server_default='0'))

    op.execute("UPDATE lot_positions SET maximum_value = "
               "(CAST(maximum_quantity AS BIGINT) * CAST(reference_price AS BIGINT) + 500) / 1000")
    op.execute("UPDATE lots SET maximum_value = COALESCE((SELECT CAST(SUM(p.maximum_value) AS BIGINT) "
               "FROM lot_positions p WHERE p.lot_id = lots.id), 0)")
    op.execute("UPDATE lot_plans SET maximum_total = COALESCE((SELECT CAST(SUM(l.maximum_value) AS BIGINT) "
               "FROM lots l WHERE l.plan_id = lot_plans.id), 0)")
    op.execute("UPDATE tender_lots SET maximum_value = (SELECT l.maximum_value FROM lots l "
               "WHERE l.id = tender_lots.lot_id)")
    op.execute("UPDATE tenders SET value_basis = 'estimate', maximum_total = (SELECT p.maximum_total "
               "FROM lot_plans p WHERE p.id = tenders.plan_id)")


def downgrade() -> None:
    with op.batch_alter_table('tender_lots', schema=None) as batch_op:
        batch_op.drop_column('maximum_value')
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_column('value_basis')
        batch_op.drop_column('maximum_total')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('value_basis')
    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.drop_column('maximum_total')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_column('maximum_value')
    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.drop_column('maximum_value')
