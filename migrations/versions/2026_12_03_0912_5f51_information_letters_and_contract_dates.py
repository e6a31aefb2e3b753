"""Information letters (§ 134 GWB): the register's recipient column (versions per tender, kind and
recipient), the record of the sending (bidder_informations) and the contract date per lot award

Revision ID: 2026_12_03_0912_5f51
Revises: 2026_12_03_0835_b1ec
Create Date: 2026-12-03 09:12:07.186446
"""
import sqlalchemy as sa
from alembic import op

revision = '2026_12_03_0912_5f51'
down_revision = '2026_12_03_0835_b1ec'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bidder_informations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.Enum('electronic', 'post', name='information_channel', native_enum=False, length=20), nullable=False),
    sa.Column('earliest_contract_date', sa.Date(), nullable=False),
    sa.Column('letters', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_label', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_bidder_informations_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_bidder_informations_tender_id_tenders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bidder_informations'))
    )
    with op.batch_alter_table('bidder_informations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bidder_informations_tender_id'), ['tender_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=100), server_default='', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_documents_tender_id_kind_request_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_documents_tender_id_kind_version'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_documents_tender_id_kind_recipient_request_key'), ['tender_id', 'kind', 'recipient', 'request_key'])
        batch_op.create_unique_constraint(batch_op.f('uq_documents_tender_id_kind_recipient_version'), ['tender_id', 'kind', 'recipient', 'version'])

    with op.batch_alter_table('lot_awards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('contract_recorded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('contract_recorded_by_label', sa.String(length=254), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lot_awards', schema=None) as batch_op:
        batch_op.drop_column('contract_recorded_by_label')
        batch_op.drop_column('contract_recorded_at')
        batch_op.drop_column('contract_date')

    # Letters are per recipient; without the column their versions would collide.
    op.execute("DELETE FROM documents WHERE kind = 'info_letter'")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_tender_id_kind_recipient_version'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_documents_tender_id_kind_recipient_request_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_documents_tender_id_kind_version'), ['tender_id', 'kind', 'version'])
        batch_op.create_unique_constraint(batch_op.f('uq_documents_tender_id_kind_request_key'), ['tender_id', 'kind', 'request_key'])
        batch_op.drop_column('recipient')

    with op.batch_alter_table('bidder_informations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bidder_informations_tender_id'))

    op.drop_table('bidder_informations')
