"""Lot plans: the submitted demand of a closed round aggregated into tender lots (R2, R3, R5).

A LotPlan belongs to one round and is rebuilt as a whole: its lots (Lose), their positions
(LV-Positionen, one product each) and the allocations (Zuordnungen) that link every submitted
demand line to its position with the member, delivery site, cost centre, budget account and
quantity it contributes. The allocations are the per-city breakdown the finance exports and
tender documents read; they are a snapshot, so `demand_line_id` (a reopened submission may
replace its lines after the build), `member_id` and `delivery_site_id` are kept without
foreign keys (see Allocation).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.catalogue.models import Product
from einkauf.db import Base, Money, Quantity, UtcDateTime, utcnow
from einkauf.rounds.models import Round


class LotPlan(Base):
    """The lot plan of a round (at most one; a rebuild replaces it)."""

    __tablename__ = "lot_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    # Counts builds of this round: a rebuild gets the previous plan's version + 1.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # SHA-256 over the lots and positions: equal fingerprints mean an identical plan.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    demand_line_count: Mapped[int] = mapped_column(Integer, default=0)
    estimated_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    built_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    built_by_label: Mapped[str] = mapped_column(String(254), default="")

    round: Mapped[Round] = relationship()
    lots: Mapped[list["Lot"]] = relationship(back_populates="plan", order_by="Lot.sort_key",
                                             cascade="all, delete-orphan", passive_deletes=True)


class Lot(Base):
    """A tender lot (Los): by default one Fachlos per category."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        Index("ix_lots_plan_id_sort_key", "plan_id", "sort_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lot_plans.id", ondelete="CASCADE"))
    # Text, so that Teillose and Gebietslose can be numbered "3.2".
    number: Mapped[str] = mapped_column(String(20))
    sort_key: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    cpv_code: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code"))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    estimated_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    plan: Mapped[LotPlan] = relationship(back_populates="lots")
    positions: Mapped[list["LotPosition"]] = relationship(back_populates="lot", order_by="LotPosition.number",
                                                          cascade="all, delete-orphan", passive_deletes=True)


class LotPosition(Base):
    """One product inside a lot with its aggregated quantities and estimated value."""

    __tablename__ = "lot_positions"
    __table_args__ = (
        UniqueConstraint("lot_id", "number"),
        UniqueConstraint("lot_id", "product_id"),
        # Allocations find their position by plan and product (one index probe per demand line).
        Index("ix_lot_positions_plan_id_product_id", "plan_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the lot, for the set-based inserts and the exports.
    plan_id: Mapped[int] = mapped_column(ForeignKey("lot_plans.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    annual_quantity: Mapped[Decimal] = mapped_column(Quantity())
    estimated_quantity: Mapped[Decimal] = mapped_column(Quantity())
    maximum_quantity: Mapped[Decimal] = mapped_column(Quantity())
    reference_price: Mapped[Decimal] = mapped_column(Money())
    estimated_value: Mapped[Decimal] = mapped_column(Money())

    lot: Mapped[Lot] = relationship(back_populates="positions")
    product: Mapped[Product] = relationship()


class Allocation(Base):
    """A submitted demand line's contribution to a lot position (the per-member breakdown, R2)."""

    __tablename__ = "allocations"
    __table_args__ = (
        # One index serves the foreign key, the per-position breakdown and, probed once per
        # position of a plan, one member's share (finance exports). A second index on member_id
        # would double the cost of inserting a million allocations.
        Index("ix_allocations_position_id_member_id", "position_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("lot_positions.id", ondelete="CASCADE"))
    # Copied from the demand line, its submission's member and its delivery site at build time.
    # Deliberately without foreign keys: they are a snapshot that the build inserts from a join
    # over existing rows, and PostgreSQL checks a foreign key with a trigger per row (measured:
    # about 4 s per key for 1,000,000 allocations). Members and delivery sites are deactivated,
    # never deleted, so the ids stay valid.
    demand_line_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    delivery_site_id: Mapped[int] = mapped_column(Integer)
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    budget_account: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity())

    position: Mapped[LotPosition] = relationship()
