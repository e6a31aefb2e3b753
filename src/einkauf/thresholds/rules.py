"""The kinds of EU thresholds and a threshold as the procedure decision reads it (R4).
Pure: no Flask, no SQLAlchemy; the rows are data (einkauf.thresholds.services)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from einkauf.formatting import format_date_de, format_money_de
from einkauf.texts import N_

SUPPLIES_SERVICES_SUBCENTRAL = "supplies_services_subcentral"
THRESHOLD_KINDS = {
    SUPPLIES_SERVICES_SUBCENTRAL: N_("Liefer- und Dienstleistungen subzentraler öffentlicher Auftraggeber"),
}


@dataclass(frozen=True)
class Threshold:
    """An EU threshold (net, in euros) in force from valid_from to valid_to, both inclusive."""

    kind: str
    amount: Decimal
    valid_from: date
    valid_to: date

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    @property
    def label(self) -> str:
        """E.g. "216.000,00 € (gültig 01.01.2026–31.12.2027)"."""
        return (f"{format_money_de(self.amount)} (gültig {format_date_de(self.valid_from)}–"
                f"{format_date_de(self.valid_to)})")
