"""Submissions (Bedarfsmeldungen) and their demand lines."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.catalogue.models import Product
from einkauf.db import Base, Quantity, UtcDateTime, utcnow
from einkauf.rounds.models import DeliverySite, Member, Round


class SubmissionStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Submission(Base):
    """One member's demand in one round: draft → submitted, with a version counter (R11)."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, name="submission_status", native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=SubmissionStatus.DRAFT,
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()
    member: Mapped[Member] = relationship()
    lines: Mapped[list["DemandLine"]] = relationship(back_populates="submission", cascade="all, delete-orphan")


class DemandLine(Base):
    """A demand line (Bedarfsposition): product, quantity and where it goes and who pays."""

    __tablename__ = "demand_lines"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    delivery_site_id: Mapped[int] = mapped_column(ForeignKey("delivery_sites.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    budget_account: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(500), default="")

    submission: Mapped[Submission] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    delivery_site: Mapped[DeliverySite] = relationship()
