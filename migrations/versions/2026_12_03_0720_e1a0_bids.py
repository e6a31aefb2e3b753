"""Bids: bidders, bids with lots and unit prices, the opening record (issue 13)

Revision ID: 2026_12_03_0720_e1a0
Revises: 2026_12_03_0701_b2a0
Create Date: 2026-12-03 07:18:58

Unit prices are scaled integers (1/10,000 euro, R1). No data to migrate: new tables only.
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0720_e1a0'
down_revision = '2026_12_03_0701_b2a0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bidders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('vat_id', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bidders')),
    sa.UniqueConstraint('name', name=op.f('uq_bidders_name'))
    )
    op.create_table('bid_openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('first_by_id', sa.Integer(), nullable=True),
    sa.Column('first_by_label', sa.String(length=254), nullable=False),
    sa.Column('second_by_id', sa.Integer(), nullable=True),
    sa.Column('second_by_label', sa.String(length=254), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['first_by_id'], ['users.id'], name=op.f('fk_bid_openings_first_by_id_users')),
    sa.ForeignKeyConstraint(['second_by_id'], ['users.id'], name=op.f('fk_bid_openings_second_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_bid_openings_tender_id_tenders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_openings')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_bid_openings_tender_id'))
    )
    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_label', sa.String(length=254), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidders.id'], name=op.f('fk_bids_bidder_id_bidders')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_bids_tender_id_tenders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('tender_id', 'bidder_id', name=op.f('uq_bids_tender_id_bidder_id'))
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bids_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_tender_id'), ['tender_id'], unique=False)

    op.create_table('bid_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('tender_lot_id', sa.Integer(), nullable=False),
    sa.Column('lot_number', sa.String(length=20), nullable=False),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('pending', 'admitted', 'excluded', name='bid_check_decision', native_enum=False, length=20), nullable=False),
    sa.Column('reason_code', sa.Enum('late', 'incomplete', 'formal', 'suitability', 'other', name='bid_exclusion_reason', native_enum=False, length=20), nullable=True),
    sa.Column('reason_text', sa.String(length=1000), nullable=False),
    sa.Column('gap_reason', sa.String(length=1000), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('checked_by_label', sa.String(length=254), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_lots_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_lot_id'], ['tender_lots.id'], name=op.f('fk_bid_lots_tender_lot_id_tender_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_lots')),
    sa.UniqueConstraint('bid_id', 'tender_lot_id', name=op.f('uq_bid_lots_bid_id_tender_lot_id'))
    )
    with op.batch_alter_table('bid_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_lots_tender_lot_id'), ['tender_lot_id'], unique=False)

    op.create_table('bid_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_lot_id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('offered_product', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['bid_lot_id'], ['bid_lots.id'], name=op.f('fk_bid_prices_bid_lot_id_bid_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['lot_positions.id'], name=op.f('fk_bid_prices_position_id_lot_positions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_prices')),
    sa.UniqueConstraint('bid_lot_id', 'position_id', name=op.f('uq_bid_prices_bid_lot_id_position_id'))
    )
    with op.batch_alter_table('bid_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_prices_position_id'), ['position_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bid_prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_prices_position_id'))

    op.drop_table('bid_prices')
    with op.batch_alter_table('bid_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_lots_tender_lot_id'))

    op.drop_table('bid_lots')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bids_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bids_bidder_id'))

    op.drop_table('bids')
    op.drop_table('bid_openings')
    op.drop_table('bidders')
