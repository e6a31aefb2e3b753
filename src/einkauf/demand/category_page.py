"""The officer's entry page of one category: the grid of lines the page shows with its values
and totals, and saving the grid as posted (all lines of the category at once).

The grid itself (reading the posted keys, totals, placing problems) is plain data in
einkauf.demand.entry; this module joins it with the queries and services of the submission.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.demand import queries, services, state
from einkauf.demand.entry import FIELDS, MAX_ROWS_PER_PRODUCT, LineGrid, SummaryItem
from einkauf.errors import ValidationFailed
from einkauf.rounds.models import Round


@dataclass(frozen=True)
class CategoryPage:
    """What the entry page prints: the grid with its line values, the totals of the rows on the
    page, the delivery sites to choose from (id, label) and whether the demand may be withdrawn."""

    entry: queries.CategoryEntry
    grid: LineGrid
    totals: tuple[int, Decimal]
    sites: list[tuple[str, str]]
    can_withdraw: bool


@dataclass(frozen=True)
class CategoryConflict:
    """The stored state after someone else saved in the meantime: the submission's version and
    the category's saved line count and value."""

    version: int
    lines: int
    value: Decimal | None


class InvalidGrid(ValidationFailed):
    """Lines of the grid are wrong (quantities that are no numbers, or what the services refuse);
    nothing was saved. The problems are placed in the grid; `summary` lists them in page order."""

    def __init__(self, summary: list[SummaryItem]):
        super().__init__(" ".join(item.message for item in summary))
        self.summary = summary


def rows_allowed(products: int, saved_lines: int) -> int:
    """The most rows a category page can legitimately post: the rows the page offers per product
    (MAX_ROWS_PER_PRODUCT) but no more than a submission may hold plus one empty row per product,
    and in any case the saved lines (an import may have saved more per product) with room for
    new ones. The form caps of the request follow from it (einkauf.boundary)."""
    offered = min(products * MAX_ROWS_PER_PRODUCT, services.MAX_LINES_PER_SUBMISSION + products)
    return max(offered, saved_lines + 2 * products)


def posted_field_cap(entry: queries.CategoryEntry) -> int:
    """How many form fields a post of this page may carry (the grid's fields plus a few more)."""
    saved = sum(len(lines) for lines in entry.lines.values())
    return len(FIELDS) * rows_allowed(len(entry.products), saved) + 16


def default_site(entry: queries.CategoryEntry) -> str:
    """A member with a single active delivery site gets it preselected in new rows."""
    active = [s for s in entry.sites if s.active]
    return str(active[0].id) if len(active) == 1 else ""


def entry_grid(entry: queries.CategoryEntry, posted: Mapping[str, str] | None = None, *,
               add_row: str | None = None) -> LineGrid:
    """The grid of the page: the saved lines, or the posted rows (with one more empty row for the
    product `add_row` names, "Weitere Zeile")."""
    product_ids = [p.id for p in entry.products]
    site = default_site(entry)
    if posted is None:
        return LineGrid.from_lines(product_ids, entry.lines, site)
    grid = LineGrid.from_form(posted, product_ids, site)
    if add_row is not None:
        try:
            grid.add_row(int(add_row), site)
        except ValueError:
            pass
    return grid


def category_page(entry: queries.CategoryEntry, grid: LineGrid, *,
                  inactive_site: Callable[[str], str]) -> CategoryPage:
    """The page for a grid; `inactive_site` labels a delivery site that is no longer active."""
    grid.compute_values({p.id: p.reference_price for p in entry.products})
    sites = [(str(s.id), s.name if s.active else inactive_site(s.name)) for s in entry.sites]
    return CategoryPage(entry, grid, grid.totals(), sites, state.can_withdraw(entry.round, entry.submission))


def save_category_grid(session: Session, actor: Actor, rnd: Round, member_id: int,
                       entry: queries.CategoryEntry, grid: LineGrid, *,
                       expected_version: int | None) -> tuple[int, Decimal]:
    """Save the grid's lines as the member's lines of the category; returns (lines, estimated
    value) of the saved page. InvalidGrid when lines are wrong (all problems at once, nothing
    saved); StaleVersion, DeadlinePassed and InvalidState from save_category_lines."""
    numbers = {p.id: p.number for p in entry.products}
    lines, problems = grid.line_inputs()
    if problems:
        # Numbers that are no numbers: report them together with everything the services would refuse.
        _clean, more = services.validate_lines(session, member_id, lines, category_id=entry.category.id)
        raise InvalidGrid(grid.attach([*problems, *more], numbers))
    try:
        services.save_category_lines(session, actor, rnd, member_id, entry.category.id, lines,
                                     expected_version=expected_version)
    except services.InvalidLines as exc:  # raised before anything was changed
        raise InvalidGrid(grid.attach(exc.problems, numbers)) from exc
    grid.compute_values({p.id: p.reference_price for p in entry.products})
    return grid.totals()


def category_conflict(session: Session, round_id: int, member_id: int, category_id: int) -> CategoryConflict:
    """The stored state of the member's category, shown when a save came too late (StaleVersion)."""
    current = queries.get_submission(session, round_id, member_id)
    count, value = queries.submission_totals(session, current.id if current else None).by_category.get(
        category_id, (0, None))
    return CategoryConflict(current.version if current else 0, count, value)
