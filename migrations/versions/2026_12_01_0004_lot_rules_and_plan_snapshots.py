"""Lot rules per round; plans keep product snapshots, net values and may be superseded

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plans built before this revision get empty snapshot texts and zero net values: rebuild
    # them (einkauf lots build) to fill these columns; no tender can exist yet.
    op.create_table('lot_rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False, server_default='{}'),
    sa.Column('national_procedure', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_label', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_lot_rule_sets_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_rule_sets')),
    sa.UniqueConstraint('round_id', name=op.f('uq_lot_rule_sets_round_id'))
    )

    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('net_value', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('annual_total', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('excluded_line_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('rules', sa.Text(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('demand_stamp', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_lot_plans_round_id'), type_='unique')
        batch_op.create_index('ix_lot_plans_round_id', ['round_id'], unique=False)

    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_number', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('short_text', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('specification', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit_code', sa.String(length=3), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit_label', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('vat_rate', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cpv_code', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('annual_value', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='Fachlos'))
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('annual_value', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.alter_column('title',
               existing_type=sa.VARCHAR(length=200),
               type_=sa.String(length=400),
               existing_nullable=False)


def downgrade() -> None:
    # Before the unique constraint returns, drop the superseded plans (kept only for tenders,
    # whose tables revision 0005 already removed).
    superseded = "SELECT id FROM lot_plans WHERE superseded_at IS NOT NULL"
    op.execute(f"DELETE FROM allocations WHERE position_id IN (SELECT id FROM lot_positions WHERE plan_id IN ({superseded}))")
    op.execute(f"DELETE FROM lot_positions WHERE plan_id IN ({superseded})")
    op.execute(f"DELETE FROM lots WHERE plan_id IN ({superseded})")
    op.execute(superseded.replace("SELECT id FROM", "DELETE FROM"))
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.alter_column('title',
               existing_type=sa.String(length=400),
               type_=sa.VARCHAR(length=200),
               existing_nullable=False)
        batch_op.drop_column('annual_value')
        batch_op.drop_column('region')
        batch_op.drop_column('kind')

    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.drop_column('annual_value')
        batch_op.drop_column('region')
        batch_op.drop_column('cpv_code')
        batch_op.drop_column('category_id')
        batch_op.drop_column('vat_rate')
        batch_op.drop_column('unit_label')
        batch_op.drop_column('unit_code')
        batch_op.drop_column('specification')
        batch_op.drop_column('short_text')
        batch_op.drop_column('product_number')

    with op.batch_alter_table('lot_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_lot_plans_round_id')
        batch_op.create_unique_constraint(batch_op.f('uq_lot_plans_round_id'), ['round_id'])
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('demand_stamp')
        batch_op.drop_column('rules')
        batch_op.drop_column('excluded_line_count')
        batch_op.drop_column('annual_total')

    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_column('net_value')

    op.drop_table('lot_rule_sets')
