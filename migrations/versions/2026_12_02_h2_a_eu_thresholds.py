"""EU thresholds as data: the eu_thresholds table, seeded with the known rows

Revision ID: 20261202_h2_a
Revises: 20261202_h6
Create Date: 2026-12-02 17:30:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '20261202_h2_a'
down_revision = '20261202_h6'
branch_labels = None
depends_on = None

# The seed rows come from the one place that names them, einkauf.lots.procedure.DEFAULT_THRESHOLDS
# (Delegated Regulations (EU) 2023/2495 and of 2025); afterwards admins maintain the table.
SOURCES = {2024: "Delegierte Verordnung (EU) 2023/2495", 2026: "Delegierte Verordnung (EU) der Kommission von 2025"}


def upgrade() -> None:
    from einkauf.lots.procedure import DEFAULT_THRESHOLDS

    table = op.create_table('eu_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_eu_thresholds_amount_positive')),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_eu_thresholds_period_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eu_thresholds')),
    sa.UniqueConstraint('kind', 'valid_from', name=op.f('uq_eu_thresholds_kind_valid_from'))
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(table, [
        {"kind": row.kind, "amount": int(row.amount * 100), "valid_from": row.valid_from, "valid_to": row.valid_to,
         "source": SOURCES.get(row.valid_from.year, ""), "created_at": now, "created_by_label": "Migration"}
        for row in DEFAULT_THRESHOLDS])


def downgrade() -> None:
    op.drop_table('eu_thresholds')
