"""Documents: the idempotency key of the generation request

Revision ID: 20261202_h6
Revises: 20261202_h3
Create Date: 2026-12-02 17:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '20261202_h6'
down_revision = '20261202_h3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_documents_tender_id_kind_request_key'),
                                          ['tender_id', 'kind', 'request_key'])


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_tender_id_kind_request_key'), type_='unique')
        batch_op.drop_column('request_key')
