"""Tenders: frozen lot plans with procedure, deadlines and award criteria

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('active', 'cancelled', name='tender_status', native_enum=False, length=20), nullable=False),
    sa.Column('procedure', sa.String(length=120), nullable=False),
    sa.Column('eu_wide', sa.Boolean(), nullable=False),
    sa.Column('national_procedure', sa.String(length=120), nullable=False),
    sa.Column('threshold_amount', sa.BigInteger(), nullable=False),
    sa.Column('threshold_valid_from', sa.Date(), nullable=False),
    sa.Column('threshold_valid_to', sa.Date(), nullable=False),
    sa.Column('estimated_total', sa.BigInteger(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('publication_date', sa.Date(), nullable=False),
    sa.Column('submission_deadline', sa.DateTime(), nullable=False),
    sa.Column('electronic_submission', sa.Boolean(), nullable=False),
    sa.Column('award_criteria', sa.Text(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=False),
    sa.Column('frozen_by_id', sa.Integer(), nullable=True),
    sa.Column('frozen_by_label', sa.String(length=254), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_by_label', sa.String(length=254), nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['frozen_by_id'], ['users.id'], name=op.f('fk_tenders_frozen_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['lot_plans.id'], name=op.f('fk_tenders_plan_id_lot_plans')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_tenders_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenders')),
    sa.UniqueConstraint('reference', name=op.f('uq_tenders_reference'))
    )

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenders_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenders_round_id'), ['round_id'], unique=False)

    op.create_table('tender_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.Column('estimated_value', sa.BigInteger(), nullable=False),
    sa.Column('procedure', sa.String(length=120), nullable=False),
    sa.Column('small_lot_quota', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_tender_lots_lot_id_lots')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_lots_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_lots')),
    sa.UniqueConstraint('tender_id', 'number', name=op.f('uq_tender_lots_tender_id_number'))
    )

    with op.batch_alter_table('tender_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_lots_lot_id'), ['lot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tender_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_lots_lot_id'))

    op.drop_table('tender_lots')

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenders_round_id'))
        batch_op.drop_index(batch_op.f('ix_tenders_plan_id'))

    op.drop_table('tenders')
