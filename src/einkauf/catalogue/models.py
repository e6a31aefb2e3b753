"""The catalogue: CPV codes, units of measure, categories and products."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.db import Base, Money, Percent


class CpvCode(Base):
    """An entry of the Common Procurement Vocabulary (code with check digit, German label)."""

    __tablename__ = "cpv_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    label: Mapped[str] = mapped_column(String(400))


class Unit(Base):
    """A unit of measure: UN/ECE Rec 20 code, or Rec 21 code with an X prefix."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    symbol: Mapped[str] = mapped_column(String(20), default="")


class Category(Base):
    """A product group (Warengruppe) with one main CPV code."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    cpv_code: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    cpv: Mapped[CpvCode] = relationship()
    products: Mapped[list[Product]] = relationship(back_populates="category", order_by="Product.number")


class Product(Base):
    """A catalogue item (Artikel / Leistungsposition)."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("reference_price >= 0", name="price_nonnegative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate <= 10000", name="vat_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    short_text: Mapped[str] = mapped_column(String(200))
    specification: Mapped[str] = mapped_column(Text, default="")
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    reference_price: Mapped[Decimal] = mapped_column(Money())
    vat_rate: Mapped[Decimal] = mapped_column(Percent(), default=Decimal("19.00"))
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    category: Mapped[Category] = relationship(back_populates="products")
    unit: Mapped[Unit] = relationship()
