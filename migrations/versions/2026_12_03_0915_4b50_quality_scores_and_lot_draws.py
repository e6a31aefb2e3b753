"""Quality scores per bid lot and criterion, and the recorded lot draws (Losentscheid) of ties (R17)

Revision ID: 2026_12_03_0915_4b50
Revises: 2026_12_03_0912_5f51
Create Date: 2026-12-03 09:15:45.740904
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0915_4b50'
down_revision = '2026_12_03_0912_5f51'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lot_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('tender_lot_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_label', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_lot_draws_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_lot_draws_tender_id_tenders')),
    sa.ForeignKeyConstraint(['tender_lot_id'], ['tender_lots.id'], name=op.f('fk_lot_draws_tender_lot_id_tender_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_draws'))
    )
    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_draws_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_draws_tender_lot_id'), ['tender_lot_id'], unique=False)

    op.create_table('lot_draw_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('tender_lot_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_lot_draw_places_bid_id_bids')),
    sa.ForeignKeyConstraint(['draw_id'], ['lot_draws.id'], name=op.f('fk_lot_draw_places_draw_id_lot_draws'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_lot_id'], ['tender_lots.id'], name=op.f('fk_lot_draw_places_tender_lot_id_tender_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_draw_places')),
    sa.UniqueConstraint('draw_id', 'place', name=op.f('uq_lot_draw_places_draw_id_place')),
    sa.UniqueConstraint('tender_lot_id', 'bid_id', name=op.f('uq_lot_draw_places_tender_lot_id_bid_id'))
    )
    with op.batch_alter_table('lot_draw_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_draw_places_bid_id'), ['bid_id'], unique=False)

    op.create_table('quality_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_lot_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=100), nullable=False),
    sa.Column('percent', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_label', sa.String(length=254), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_lot_id'], ['bid_lots.id'], name=op.f('fk_quality_scores_bid_lot_id_bid_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_quality_scores_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_scores')),
    sa.UniqueConstraint('bid_lot_id', 'criterion', name=op.f('uq_quality_scores_bid_lot_id_criterion'))
    )


def downgrade() -> None:
    op.drop_table('quality_scores')
    with op.batch_alter_table('lot_draw_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_draw_places_bid_id'))

    op.drop_table('lot_draw_places')
    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_draws_tender_lot_id'))
        batch_op.drop_index(batch_op.f('ix_lot_draws_tender_id'))

    op.drop_table('lot_draws')
