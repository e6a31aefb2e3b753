"""Lot building: lot plans, lots, lot positions and allocations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:59:46.072575
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lot_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('demand_line_count', sa.Integer(), nullable=False),
    sa.Column('estimated_total', sa.BigInteger(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('built_by_id', sa.Integer(), nullable=True),
    sa.Column('built_by_label', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['built_by_id'], ['users.id'], name=op.f('fk_lot_plans_built_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_lot_plans_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_plans')),
    sa.UniqueConstraint('round_id', name=op.f('uq_lot_plans_round_id'))
    )
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('cpv_code', sa.String(length=10), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('estimated_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_lots_category_id_categories')),
    sa.ForeignKeyConstraint(['cpv_code'], ['cpv_codes.code'], name=op.f('fk_lots_cpv_code_cpv_codes')),
    sa.ForeignKeyConstraint(['plan_id'], ['lot_plans.id'], name=op.f('fk_lots_plan_id_lot_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_lots_plan_id_number'))
    )
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lots_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_lots_plan_id_sort_key', ['plan_id', 'sort_key'], unique=False)

    op.create_table('lot_positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('annual_quantity', sa.BigInteger(), nullable=False),
    sa.Column('estimated_quantity', sa.BigInteger(), nullable=False),
    sa.Column('maximum_quantity', sa.BigInteger(), nullable=False),
    sa.Column('reference_price', sa.BigInteger(), nullable=False),
    sa.Column('estimated_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_positions_lot_id_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['lot_plans.id'], name=op.f('fk_lot_positions_plan_id_lot_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_lot_positions_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_positions')),
    sa.UniqueConstraint('lot_id', 'number', name=op.f('uq_lot_positions_lot_id_number')),
    sa.UniqueConstraint('lot_id', 'product_id', name=op.f('uq_lot_positions_lot_id_product_id'))
    )
    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.create_index('ix_lot_positions_plan_id_product_id', ['plan_id', 'product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_positions_product_id'), ['product_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('demand_line_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('delivery_site_id', sa.Integer(), nullable=False),
    sa.Column('cost_centre', sa.String(length=40), nullable=False),
    sa.Column('budget_account', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['position_id'], ['lot_positions.id'], name=op.f('fk_allocations_position_id_lot_positions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index('ix_allocations_position_id_member_id', ['position_id', 'member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_allocations_position_id_member_id')

    op.drop_table('allocations')
    with op.batch_alter_table('lot_positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_positions_product_id'))
        batch_op.drop_index('ix_lot_positions_plan_id_product_id')

    op.drop_table('lot_positions')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_index('ix_lots_plan_id_sort_key')
        batch_op.drop_index(batch_op.f('ix_lots_category_id'))

    op.drop_table('lots')
    op.drop_table('lot_plans')
