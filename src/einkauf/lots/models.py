"""Lot plans: the submitted demand of a closed round aggregated into tender lots (R2, R3, R5).

A LotPlan belongs to one round and is rebuilt as a whole: its lots (Lose), their positions
(LV-Positionen, one product each) and the allocations (Zuordnungen) that link every submitted
demand line to its position with the member, delivery site, cost centre, budget account and
quantity it contributes. The allocations are the per-city breakdown the finance exports and
tender documents read; they are a snapshot, so `demand_line_id` (a reopened submission may
replace its lines after the build), `member_id` and `delivery_site_id` are kept without
foreign keys (see Allocation). Positions copy the product's texts, unit and VAT rate at build
time, so that a frozen tender keeps its wording when the catalogue changes later.

A round has at most one *current* plan (superseded_at IS NULL). A rebuild deletes the
current plan, unless a tender was frozen from it: then the plan is kept unchanged as that
tender's snapshot and only marked superseded.

LotRuleSet holds the coordinator's lot rules of a round (merge, Gebietslose, left-out
products, Teillose, national procedure), so that every rebuild reproduces them.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.catalogue.models import Product
from einkauf.db import Base, Money, Percent, Quantity, UtcDateTime, utcnow
from einkauf.rounds.models import Round


class LotRuleSet(Base):
    """The lot rules of a round (see einkauf.lots.planner.LotRules), stored as canonical JSON."""

    __tablename__ = "lot_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    rules: Mapped[str] = mapped_column(Text, default="{}")
    # The national procedure below the EU threshold and for the small-lots quota (R4).
    national_procedure: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by_label: Mapped[str] = mapped_column(String(254), default="")


class LotPlan(Base):
    """A lot plan of a round: the current one (superseded_at IS NULL) or a tender's snapshot."""

    __tablename__ = "lot_plans"
    __table_args__ = (Index("ix_lot_plans_round_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    # Counts builds of this round: a rebuild gets the previous plan's version + 1.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # SHA-256 over the lots and positions: equal fingerprints mean an identical plan.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    demand_line_count: Mapped[int] = mapped_column(Integer, default=0)
    estimated_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Σ of the allocations' net values: one year's demand at reference prices (R1); the finance
    # exports reconcile against it.
    annual_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Σ of the lots' maximum values (at the maximum quantities, R5).
    maximum_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Demand lines of products the rules leave out (not allocated).
    excluded_line_count: Mapped[int] = mapped_column(Integer, default=0)
    # The rules the plan was built with (canonical JSON) and a stamp of everything the build read
    # (submissions, rules, term, and the catalogue rows of the demanded products and their
    # categories; see services.demand_stamp): the preview hands it to the build.
    rules: Mapped[str] = mapped_column(Text, default="{}")
    demand_stamp: Mapped[str] = mapped_column(String(64), default="")
    # What the build read, part by part (JSON; see services.plan_changes): the submissions'
    # digest, the term, the member regions (Gebietslose), the categories' name, CPV, sort order
    # and active flag, and the inactive products. With the positions' product snapshot it lets
    # the plan page name what changed since. "" for plans built before it existed: stale.
    sources: Mapped[str] = mapped_column(Text, default="")
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set when a tender is frozen from this plan (einkauf.tenders.services.freeze_tender) and kept
    # after the tender's cancellation: the plan is then a tender's snapshot, never deleted.
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The active tender frozen from this plan (cleared when it is cancelled): while set, the lots
    # and rules of the round cannot change. A plain id, since tenders.plan_id points the other way.
    frozen_tender_id: Mapped[int | None] = mapped_column(Integer)
    frozen_reference: Mapped[str | None] = mapped_column(String(40))
    built_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    built_by_label: Mapped[str] = mapped_column(String(254), default="")

    round: Mapped[Round] = relationship()
    lots: Mapped[list[Lot]] = relationship(back_populates="plan", order_by="Lot.sort_key",
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
    kind: Mapped[str] = mapped_column(String(20), default="Fachlos")
    title: Mapped[str] = mapped_column(String(400))
    # The lot's first category (a merged lot spans several).
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # The main CPV code (of the first category) and, for a lot merged from several categories,
    # the other categories' codes, distinct, in category order, separated by spaces.
    cpv_code: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code"))
    additional_cpv: Mapped[str] = mapped_column(Text, default="")
    # A Gebietslos takes the demand of members of this region only ("" = members without a
    # region); NULL: members of every region.
    region: Mapped[str | None] = mapped_column(String(100))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    estimated_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    annual_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Σ of its positions' maximum values (Art. 5 Abs. 5 RL 2014/24/EU: value of all call-offs).
    maximum_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    plan: Mapped[LotPlan] = relationship(back_populates="lots")
    positions: Mapped[list[LotPosition]] = relationship(back_populates="lot", order_by="LotPosition.number",
                                                          cascade="all, delete-orphan", passive_deletes=True)

    @property
    def additional_cpv_codes(self) -> list[str]:
        """The additional CPV codes of a merged lot (empty for a lot of one category)."""
        return (self.additional_cpv or "").split()


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
    # Snapshot of the product at build time (the documents and exports print these).
    product_number: Mapped[str] = mapped_column(String(30), default="")
    short_text: Mapped[str] = mapped_column(String(200), default="")
    specification: Mapped[str] = mapped_column(Text, default="")
    unit_code: Mapped[str] = mapped_column(String(3), default="")
    unit_label: Mapped[str] = mapped_column(String(100), default="")
    vat_rate: Mapped[Decimal] = mapped_column(Percent(), default=Decimal("19.00"))
    category_id: Mapped[int | None] = mapped_column(Integer)
    cpv_code: Mapped[str] = mapped_column(String(10), default="")
    # Copied from a Gebietslos (see Lot.region): the allocations match on it without a join to lots.
    region: Mapped[str | None] = mapped_column(String(100))
    annual_quantity: Mapped[Decimal] = mapped_column(Quantity())
    estimated_quantity: Mapped[Decimal] = mapped_column(Quantity())
    maximum_quantity: Mapped[Decimal] = mapped_column(Quantity())
    reference_price: Mapped[Decimal] = mapped_column(Money())
    estimated_value: Mapped[Decimal] = mapped_column(Money())
    # Σ of its allocations' net values (one year at the reference price, R1).
    annual_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # maximum_quantity × reference_price, half-up to cents (R1), computed by the pure plan.
    maximum_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

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
    # quantity × the position's reference price, half-up to cents (R1): the member's share.
    net_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    position: Mapped[LotPosition] = relationship()
