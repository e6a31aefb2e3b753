"""Lot awards: the decision per lot of a tender (award to a bid, or cancellation) with reason and clarification

Revision ID: 2026_12_03_0835_b1ec
Revises: 2026_12_03_0805_9781
Create Date: 2026-12-03 08:35:47.241941
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0835_b1ec'
down_revision = '2026_12_03_0805_9781'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lot_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('tender_lot_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('awarded', 'cancelled', name='award_outcome', native_enum=False, length=20), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=True),
    sa.Column('lot_total', sa.BigInteger(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('clarification', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_label', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_lot_awards_bid_id_bids')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_lot_awards_decided_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_lot_awards_tender_id_tenders')),
    sa.ForeignKeyConstraint(['tender_lot_id'], ['tender_lots.id'], name=op.f('fk_lot_awards_tender_lot_id_tender_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_awards')),
    sa.UniqueConstraint('tender_lot_id', name=op.f('uq_lot_awards_tender_lot_id'))
    )
    with op.batch_alter_table('lot_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_awards_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_awards_tender_id'), ['tender_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lot_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_awards_tender_id'))
        batch_op.drop_index(batch_op.f('ix_lot_awards_bid_id'))

    op.drop_table('lot_awards')
