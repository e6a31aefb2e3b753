"""Submissions (Bedarfsmeldungen) and their demand lines."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
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
    # A coordinator may reopen a submission after the deadline: the member may then change and
    # submit again until reopened_until (R9); the reason is kept here and in the audit log.
    reopened_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()
    member: Mapped[Member] = relationship()
    lines: Mapped[list[DemandLine]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    exclusions: Mapped[list[CategoryExclusion]] = relationship(cascade="all, delete-orphan")

    def editable_until(self) -> datetime:
        """The moment after which officers can no longer change this submission (R9)."""
        deadline = self.round.deadline
        if self.reopened_until is not None and self.reopened_until > deadline:
            return self.reopened_until
        return deadline


class CategoryExclusion(Base):
    """A category the member does not take part in for this round (Teilnahme je Warengruppe)."""

    __tablename__ = "category_exclusions"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)


class DemandLine(Base):
    """A demand line (Bedarfsposition): product, quantity and where it goes and who pays."""

    __tablename__ = "demand_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        Index("ix_demand_lines_submission_product", "submission_id", "product_id"),
    )

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
