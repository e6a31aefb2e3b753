"""The threshold table: one row per EU threshold with its validity period (R4).

Seeded by the migration with einkauf.lots.procedure.DEFAULT_THRESHOLDS; afterwards admins add
a row per new biennium (page Administration → Schwellenwerte or `einkauf thresholds add`).
Periods of the same kind never overlap (checked by the service under a lock). A row a tender was
decided with carries the mark used_at (set by einkauf.tenders.services.freeze_tender, kept when
the tender is cancelled): it is part of that tender's record and cannot be deleted.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from einkauf.db import Base, Money, UtcDateTime, utcnow


class EuThreshold(Base):
    """An EU threshold (net, euros) of one kind, in force from valid_from to valid_to inclusive."""

    __tablename__ = "eu_thresholds"
    __table_args__ = (
        UniqueConstraint("kind", "valid_from"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("valid_from <= valid_to", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # Where the amount comes from, e.g. "Delegierte Verordnung (EU) 2023/2495".
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    # When the first tender was decided with this row, and its Vergabenummer; never cleared.
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_by_reference: Mapped[str | None] = mapped_column(String(40))
