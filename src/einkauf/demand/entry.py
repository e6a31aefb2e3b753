"""The officer's entry page of one category, as plain data: reading the line grid from the
posted form, the running totals, and the time left until a deadline.

No Flask and no SQLAlchemy here. The grid is parsed by hand instead of one WTForms form per
line: a category may hold 300+ products with several lines each, and building thousands of
field objects per request is measurably slower than one pass over the posted keys.

Input names: ``l-<product id>-<row>-<field>`` with field one of site, qty, cc, ba, note, e.g.
``l-17-0-qty``. The row number only keeps a line's inputs together; it is not stored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from einkauf.demand.services import LineInput, LineProblem
from einkauf.formatting import format_decimal_de
from einkauf.forms import clean_text, parse_decimal_de
from einkauf.money import line_value

FIELDS = ("site", "qty", "cc", "ba", "note")
KEY_RE = re.compile(r"^l-([0-9]{1,9})-([0-9]{1,3})-(site|qty|cc|ba|note)\Z")
# Empty rows are offered up to this many rows per product ("weitere Zeile"); saved lines and
# posted rows beyond it are still shown and saved.
MAX_ROWS_PER_PRODUCT = 50
# Typed text is shown again as it was, but never more than this (the services cap it further).
MAX_ECHO = 600
QUANTITY_PLACES = 3
# A row naming a product that is not on the page (a tampered or outdated form) is refused here,
# before any query, with the message the services give for an unknown product; at most this
# many such rows are listed one by one.
UNKNOWN_PRODUCT = "Unbekannter oder nicht bestellbarer Artikel."
MAX_LISTED_FOREIGN = 20

# Service problem fields (einkauf.demand.services.validate_lines) → the input they belong to.
PROBLEM_FIELD = {"quantity": "qty", "product": "qty", "delivery_site": "site", "cost_centre": "cc",
                 "budget_account": "ba", "note": "note"}


def quantity_text(value: Decimal) -> str:
    """A stored quantity as typed by a German user: 12, 12,5, 1.234,125 (no trailing zeros)."""
    value = Decimal(value).quantize(Decimal("0.001"))
    places = QUANTITY_PLACES
    while places and value == value.quantize(Decimal(1).scaleb(-(places - 1))):
        places -= 1
    return format_decimal_de(value.quantize(Decimal(1).scaleb(-places)), places)


@dataclass
class GridRow:
    """One row of the entry page as typed: the raw text of every input (kept as typed, even
    when it is no number), the parsed quantity, its value and its errors. Not a demand line
    record (LineInput, SheetLine): a row may be empty or invalid, is changed while the page is
    built, and becomes a LineInput only once its quantity is read (LineGrid.line_inputs)."""

    product_id: int
    n: int
    site: str = ""
    qty: str = ""
    cc: str = ""
    ba: str = ""
    note: str = ""
    quantity: Decimal | None = None
    value: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"l-{self.product_id}-{self.n}"

    def is_blank(self) -> bool:
        """No quantity and no text typed (a preselected delivery site alone does not count)."""
        return not (self.qty.strip() or self.cc.strip() or self.ba.strip() or self.note.strip())

    def site_id(self) -> int:
        return int(self.site) if self.site.isascii() and self.site.isdigit() and len(self.site) <= 9 else 0


@dataclass
class SummaryItem:
    """An entry of the error summary: the message, where it belongs (product number and row on
    the page, or the id of a product not on the page) and the id of the input it links to."""

    message: str
    number: str | None = None
    position: int | None = None
    product_id: int | None = None
    target: str | None = None


@dataclass
class LineGrid:
    """The rows of a category page per product (in page order), plus rows that name a product
    not on the page (a tampered or outdated form; always refused by the services)."""

    rows: dict[int, list[GridRow]]
    foreign: list[GridRow] = field(default_factory=list)

    # --- building ------------------------------------------------------------------------

    @classmethod
    def from_lines(cls, product_ids: Sequence[int], lines: Mapping[int, Sequence], default_site: str = "") -> LineGrid:
        """The saved lines (objects with delivery_site_id, quantity, cost_centre, budget_account,
        note) and one empty row per product."""
        rows: dict[int, list[GridRow]] = {}
        for pid in product_ids:
            rows[pid] = [
                GridRow(product_id=pid, n=i, site=str(line.delivery_site_id), qty=quantity_text(line.quantity),
                        cc=line.cost_centre or "", ba=line.budget_account or "", note=line.note or "",
                        quantity=Decimal(line.quantity))
                for i, line in enumerate(lines.get(pid, ()))
            ]
        grid = cls(rows=rows)
        grid.ensure_blank_rows(default_site)
        return grid

    @classmethod
    def from_form(cls, form: Mapping[str, str], product_ids: Sequence[int], default_site: str = "") -> LineGrid:
        """Read every ``l-…`` key of the posted form; other keys are ignored."""
        on_page = set(product_ids)
        found: dict[tuple[int, int], GridRow] = {}
        for key in form:
            match = KEY_RE.match(key)
            if not match:
                continue
            pid, n, name = int(match.group(1)), int(match.group(2)), match.group(3)
            row = found.get((pid, n))
            if row is None:
                row = found[(pid, n)] = GridRow(product_id=pid, n=n)
            value = form.get(key) or ""
            value = value[:MAX_ECHO]
            setattr(row, name, value if name in ("qty", "site") else clean_text(value))
        rows: dict[int, list[GridRow]] = {pid: [] for pid in product_ids}
        foreign: list[GridRow] = []
        for (pid, _n), row in sorted(found.items()):
            if pid in on_page:
                rows[pid].append(row)  # never dropped: every posted row is saved or refused
            else:
                foreign.append(row)
        grid = cls(rows=rows, foreign=foreign)
        grid.ensure_blank_rows(default_site)
        return grid

    def ensure_blank_rows(self, default_site: str = "") -> None:
        """At least one empty row per product, so that a new line can be typed."""
        for pid, rows in self.rows.items():
            if not rows or (not rows[-1].is_blank() and len(rows) < MAX_ROWS_PER_PRODUCT):
                self._append(pid, default_site)

    def add_row(self, product_id: int, default_site: str = "") -> bool:
        """One more empty row for a product on the page ("weitere Zeile"); False if not possible."""
        rows = self.rows.get(product_id)
        if rows is None or len(rows) >= MAX_ROWS_PER_PRODUCT:
            return False
        self._append(product_id, default_site)
        return True

    def _append(self, pid: int, default_site: str) -> None:
        rows = self.rows[pid]
        n = max((r.n for r in rows), default=-1) + 1
        rows.append(GridRow(product_id=pid, n=n, site=default_site))

    # --- reading -------------------------------------------------------------------------

    def all_rows(self) -> Iterable[GridRow]:
        for rows in self.rows.values():
            yield from rows
        yield from self.foreign

    def line_inputs(self) -> tuple[list[LineInput], list[LineProblem]]:
        """Lines to save and the quantities that are not numbers. A row without quantity is no
        line: clearing the quantity (or typing 0) removes a line. Rows naming a product not on
        the page are problems, never lines (they never reach a query)."""
        lines: list[LineInput] = []
        problems: list[LineProblem] = []
        foreign = [row for row in self.foreign if row.qty.strip()]
        for row in foreign[:MAX_LISTED_FOREIGN]:
            problems.append(LineProblem(row.key, "product", UNKNOWN_PRODUCT))
        if len(foreign) > MAX_LISTED_FOREIGN:
            problems.append(LineProblem("", "product", f"{len(foreign) - MAX_LISTED_FOREIGN} weitere Zeilen nennen "
                                                       "Artikel, die nicht auf dieser Seite stehen."))
        for rows in self.rows.values():
            for row in rows:
                self._read_row(row, lines, problems)
        return lines, problems

    @staticmethod
    def _read_row(row: GridRow, lines: list[LineInput], problems: list[LineProblem]) -> None:
        raw = row.qty.strip()
        if not raw:
            return
        try:
            quantity = parse_decimal_de(raw, QUANTITY_PLACES)
        except ValueError as exc:
            problems.append(LineProblem(row.key, "quantity", str(exc)))
            return
        row.quantity = quantity
        lines.append(LineInput(product_id=row.product_id, delivery_site_id=row.site_id(), quantity=quantity,
                               cost_centre=row.cc, budget_account=row.ba, note=row.note, origin=row.key))

    def compute_values(self, prices: Mapping[int, Decimal]) -> None:
        """Line value = quantity × reference price, rounded half-up to cents (R1), for each row
        whose quantity is a number."""
        for pid, rows in self.rows.items():
            price = prices.get(pid)
            for row in rows:
                if row.quantity is None and row.qty.strip():
                    try:
                        row.quantity = parse_decimal_de(row.qty.strip(), QUANTITY_PLACES)
                    except ValueError:
                        row.quantity = None
                row.value = (line_value(row.quantity, price)
                             if row.quantity is not None and row.quantity > 0 and price is not None else None)

    def product_total(self, product_id: int) -> Decimal:
        return sum((r.value for r in self.rows.get(product_id, ()) if r.value is not None), Decimal("0.00"))

    def totals(self) -> tuple[int, Decimal]:
        """(lines with a quantity, Σ rounded line values) of the rows on the page."""
        values = [r.value for rows in self.rows.values() for r in rows if r.value is not None]
        return len(values), sum(values, Decimal("0.00"))

    # --- errors --------------------------------------------------------------------------

    def attach(self, problems: Iterable[LineProblem], numbers: Mapping[int, str]) -> list[SummaryItem]:
        """Put each problem next to its input and return the error summary (in page order).

        numbers maps product ids to product numbers for the summary texts.
        """
        by_key = {}
        for rows in self.rows.values():
            for position, row in enumerate(rows, start=1):
                by_key[row.key] = (row, position)
        placed: list[tuple[tuple, SummaryItem]] = []
        order = {key: i for i, key in enumerate(by_key)}
        for problem in problems:
            hit = by_key.get(problem.origin)
            if hit is None:
                match = re.match(r"^l-([0-9]+)-", problem.origin or "")
                placed.append(((len(order), len(placed)),
                               SummaryItem(problem.message, product_id=int(match.group(1)) if match else None)))
                continue
            row, position = hit
            name = PROBLEM_FIELD.get(problem.field, "qty")
            if name in row.errors:
                row.errors[name] += " " + problem.message
            else:
                row.errors[name] = problem.message
            placed.append(((order[row.key], FIELDS.index(name)),
                           SummaryItem(problem.message, number=numbers.get(row.product_id, str(row.product_id)),
                                       position=position, target=f"{row.key}-{name}")))
        return [item for _, item in sorted(placed, key=lambda p: p[0])]


def time_left(until: datetime, now: datetime) -> tuple[int, int, int] | None:
    """(days, hours, minutes) until a moment, rounded down; None once it has passed."""
    if now >= until:
        return None
    seconds = int((until - now).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return days, hours, rest // 60
