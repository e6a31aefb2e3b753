"""A member's reported consumption per article in the frameworks of a round (issue 15 part 4):
the source of "copy the previous round from real consumption" (einkauf.demand.consumption).

Per framework of the round's active tenders: the member's called-off quantity of each position
(credit notes subtract) over the months with a sales report of that framework, annualised as
quantity × 12 / months (half-up to thousandths); never below zero. A product in the frameworks
of two lots (Gebietslose) adds up. Rows outside the framework (off-contract) do not count: they
name no article of the catalogue.
"""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.demand.consumption import Consumption
from einkauf.lots.models import LotPosition
from einkauf.money import round_half_up
from einkauf.tenders.models import Tender, TenderStatus


def member_consumption(session: Session, round_id: int, member_id: int) -> dict[int, Consumption]:
    """product id → the member's consumption under the frameworks of the round's active tenders."""
    frameworks = select(Framework.id).join(Tender, Tender.id == Framework.tender_id).where(
        Tender.round_id == round_id, Tender.status == TenderStatus.ACTIVE)
    months = dict(session.execute(
        select(SalesReport.framework_id, func.count(SalesReport.id))
        .where(SalesReport.framework_id.in_(frameworks)).group_by(SalesReport.framework_id)).tuples().all())
    if not months:
        return {}
    sums = session.execute(
        select(CallOff.framework_id, LotPosition.product_id,
               cast(func.sum(type_coerce(CallOff.quantity, BigInteger)), BigInteger))
        .join(LotPosition, LotPosition.id == CallOff.position_id)
        .where(CallOff.member_id == member_id, CallOff.framework_id.in_(list(months)))
        .group_by(CallOff.framework_id, LotPosition.product_id))
    thousandths: dict[int, int] = {}
    annual: dict[int, Fraction] = {}
    covered: dict[int, int] = {}
    for framework_id, product_id, quantity in sums:
        amount = max(int(quantity or 0), 0)
        thousandths[product_id] = thousandths.get(product_id, 0) + amount
        annual[product_id] = annual.get(product_id, Fraction(0)) + Fraction(amount * 12, 1000 * months[framework_id])
        covered[product_id] = max(covered.get(product_id, 0), months[framework_id])
    return {product_id: Consumption(round_half_up(Fraction(amount, 1000), 3), covered[product_id],
                                    round_half_up(annual[product_id], 3))
            for product_id, amount in thousandths.items()}
