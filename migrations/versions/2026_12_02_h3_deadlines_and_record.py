"""Tenders: question deadline, § 15 VgV minimum period, justification of a short deadline, scoring formula

Revision ID: 20261202_h3
Revises: 20261202_h1
Create Date: 2026-12-02 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '20261202_h3'
down_revision = '20261202_h1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_deadline', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('minimum_period_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('minimum_period_end', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deadline_justification', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('scoring_formula', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_column('scoring_formula')
        batch_op.drop_column('deadline_justification')
        batch_op.drop_column('minimum_period_end')
        batch_op.drop_column('minimum_period_days')
        batch_op.drop_column('question_deadline')
