"""Demand collection: reopening after the deadline, participation per category

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:56:10.548713
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category_exclusions',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_exclusions_category_id_categories')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_category_exclusions_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'category_id', name=op.f('pk_category_exclusions'))
    )
    with op.batch_alter_table('demand_lines', schema=None) as batch_op:
        batch_op.create_index('ix_demand_lines_submission_product', ['submission_id', 'product_id'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopened_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reopened_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reopen_reason', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_submissions_reopened_by_id_users'), 'users', ['reopened_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_reopened_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reopen_reason')
        batch_op.drop_column('reopened_by_id')
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('reopened_until')

    with op.batch_alter_table('demand_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_lines_submission_product')

    op.drop_table('category_exclusions')
