"""Pure rules of a member's share of an awarded lot (R20, R22). No Flask, no SQLAlchemy.

The money story at awarded prices is the finance story of einkauf.lots.values with the awarded
unit price in place of the reference price:
- a row (one allocation = one submitted demand line: member × delivery site × cost centre ×
  budget account × position) is worth quantity × awarded unit price, rounded half-up to cents
  ONCE (R1, einkauf.money.line_value). The SQL of that rule is
  einkauf.contracts.queries.awarded_row_cents — the one place both the contract pages and a
  finance export at awarded prices compute it;
- a member's annual value of a position is the sum of its rows, its annual value of a lot the
  sum over its positions;
- over the term: the lot's annual value (all members) × years, rounded once; each member's term
  share is its annual value × years, exact for whole years, otherwise the cents are split by
  largest remainder (einkauf.lots.values.lot_money) — the shares add up to the lot's annual
  value × years to the cent; a member's term share is split over its positions the same way
  (split_over_positions), so the positions add up to the share;
- the awarded lot total (R16) is rounded once per POSITION (estimated quantity over the term ×
  unit price): it differs from the lot's annual value × years by a pure rounding difference,
  which is shown with AWARD_ROUNDING_CAUSE wherever both appear (R22).
The member's quantities over the term follow the rules the lot plan was built with
(einkauf.lots.values.estimated_quantity and maximum_quantity) applied to the member's annual
quantity; the framework's maximum that binds (R21) is the position's, shown beside it — the
members' own maxima are each rounded up, so together they may exceed it by less than one unit
per member.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from einkauf.lots.values import (
    apportion,
    estimated_quantity,
    estimated_thousandths,
    maximum_quantity,
    maximum_thousandths,
)
from einkauf.texts import N_

AWARD_ROUNDING_CAUSE = N_(
    "Rundungsdifferenz = Zuschlagssumme des Loses − Jahreswert aller Mitglieder zu Zuschlagspreisen × Laufzeit in "
    "Jahren. Die Zuschlagssumme wird je Position einmal gerundet (geschätzte Menge über die Laufzeit × "
    "Zuschlagspreis); der Jahreswert ist die Summe der je Bedarfsposition auf Cent gerundeten Zeilen (Menge × "
    "Zuschlagspreis), wie im Finanzexport, und wird erst danach mit der Laufzeit multipliziert. Die Anteile der "
    "Mitglieder beruhen auf dem Jahreswert und ergeben zusammen genau Jahreswert × Laufzeit.")


def member_term_quantities(annual_quantity: Decimal, term_months_total: int,
                           buffer_pct: Decimal) -> tuple[Decimal, Decimal]:
    """A member's estimated and maximum quantity over the term by the lot plan's rules:
    annual × months / 12 (half-up to thousandths) and that × (1 + buffer %), rounded up."""
    estimated = estimated_quantity(annual_quantity, term_months_total)
    return estimated, maximum_quantity(estimated, buffer_pct)


def member_term_thousandths(annual_thousandths: int, term_months_total: int,
                            buffer_hundredths: int) -> tuple[int, int]:
    """member_term_quantities in whole thousandths (annual quantity not negative): the call-off
    monitoring works out ~800,000 of these at national scale."""
    estimated = estimated_thousandths(annual_thousandths, term_months_total)
    return estimated, maximum_thousandths(estimated, buffer_hundredths)


def split_over_positions(term_share: Decimal, annual_by_position: Mapping[Any, Decimal]) -> dict[Any, Decimal]:
    """A member's term share of a lot split over its positions in proportion to their annual
    values (largest remainder, einkauf.lots.values.apportion): the parts add up to the share.
    For whole years every part is exactly the position's annual value × years."""
    weights = {key: int(value.scaleb(2)) for key, value in annual_by_position.items()}
    return apportion(term_share, weights)
