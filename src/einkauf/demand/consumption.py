"""The next round from real consumption (issue 15 part 4): when an officer copies the previous
round, each article of it may take the annualised consumption reported under the running
framework instead of last round's declared quantity.

The figures come from the call-offs (einkauf.calloffs, a later layer), handed in by the
composition root through `provide_consumption` (einkauf.wiring); without a provider there is no
consumption and the copy offers the declared quantities only.

A supplier's report names the member and the article, not the member's delivery sites or cost
centres, so the choice is made per article: an article's annual consumption is split over its
lines of the previous round in proportion to their declared quantities (largest remainder in
thousandths, so the lines add up to the consumption exactly); a line that ends at zero is left
out. Pure apart from the provider's query.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DECLARED = "declared"
ACTUAL = "actual"
CHOICES = (DECLARED, ACTUAL)


@dataclass(frozen=True)
class Consumption:
    """A member's reported consumption of one article under the frameworks of a round."""

    quantity: Decimal  # called off in the reported months (credit notes subtracted, never below 0)
    months: int  # the months with a sales report
    annual: Decimal  # quantity × 12 / months, half-up to thousandths


# (session, round id, member id) → product id → the member's consumption in that round's frameworks
ConsumptionSource = Callable[["Session", int, int], Mapping[int, Consumption]]

_source: ConsumptionSource | None = None


def provide_consumption(source: ConsumptionSource | None) -> None:
    """Set (or, with None, clear) where the copy reads reported consumption from."""
    global _source
    _source = source


def consumption_of(session: Session, round_id: int, member_id: int) -> Mapping[int, Consumption]:
    """The member's reported consumption per product id in the frameworks of the round ({} without
    a provider or without reports)."""
    return {} if _source is None else _source(session, round_id, member_id)


def split_consumption(annual: Decimal, declared: Sequence[Decimal]) -> list[Decimal]:
    """`annual` split over lines in proportion to their declared quantities, in thousandths by
    largest remainder (earlier lines first on a tie): the parts add up to `annual` exactly. With
    no declared quantity at all the first line takes everything."""
    if not declared:
        return []
    units = int(annual.scaleb(3))
    weights = [max(int(q.scaleb(3)), 0) for q in declared]
    total_weight = sum(weights)
    if total_weight == 0:
        return [annual.quantize(Decimal("0.001"))] + [Decimal("0.000")] * (len(declared) - 1)
    shares = [units * w // total_weight for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(units * weights[i] % total_weight), i))
    for index in remainders[:units - sum(shares)]:
        shares[index] += 1
    return [Decimal(share).scaleb(-3) for share in shares]


def chosen_quantities(lines: Sequence[tuple[int, Decimal]], consumption: Mapping[int, Consumption],
                      choices: Mapping[int, str]) -> list[Decimal]:
    """The quantity of each previous line (product id, declared quantity), in order: the declared
    one, or — where the article's choice is ACTUAL and consumption was reported — its share of the
    annual consumption."""
    result = [quantity for _product_id, quantity in lines]
    by_product: dict[int, list[int]] = {}
    for index, (product_id, _quantity) in enumerate(lines):
        by_product.setdefault(product_id, []).append(index)
    for product_id, indexes in by_product.items():
        if choices.get(product_id) != ACTUAL or product_id not in consumption:
            continue
        parts = split_consumption(consumption[product_id].annual, [lines[i][1] for i in indexes])
        for index, part in zip(indexes, parts, strict=True):
            result[index] = part
    return result
