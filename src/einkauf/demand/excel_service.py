"""The Excel round trip against the database: the template of a member, and importing it.

`build_demand_template` loads the round's catalogue and the member's lines and hands them to
the pure generator; `import_demand_workbook` reads an upload with the pure reader, maps
article numbers and delivery-site names to ids, and replaces the member's draft lines in one
go (`replace_draft_lines`: all or nothing, the same file twice gives the same state, an
AuditEvent with the file's SHA-256). The member is always the one the caller passes — the
signed-in officer's, or the one named on the command line — never one read from the file.
"""
from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.catalogue.models import Category, Product, Unit
from einkauf.db import utcnow
from einkauf.demand import excel_layout, excel_reader, excel_writer
from einkauf.demand.excel_reader import Problem
from einkauf.demand.models import DemandLine
from einkauf.demand.queries import get_submission, submission_totals
from einkauf.demand.services import InvalidLines, LineInput, replace_draft_lines, validate_lines
from einkauf.demand.state import ensure_editable
from einkauf.demand.upload_checks import DEFAULT_LIMITS, UploadLimits
from einkauf.errors import ValidationFailed
from einkauf.rounds.models import DeliverySite, Member, Round

log = logging.getLogger(__name__)

IMPORT_SOURCE = "Excel-Import"

# validate_lines problem fields → the column of the "Bedarf" sheet they belong to.
FIELD_COLUMN = {
    "product": excel_layout.LETTER["Artikel-Nr."],
    "quantity": excel_layout.LETTER["Menge"],
    "delivery_site": excel_layout.LETTER["Lieferstelle"],
    "cost_centre": excel_layout.LETTER["Kostenstelle"],
    "budget_account": excel_layout.LETTER["Sachkonto"],
    "note": excel_layout.LETTER["Bemerkung"],
}


class WorkbookRejected(ValidationFailed):
    """The uploaded workbook cannot be imported; nothing was changed. `problems` names each reason."""

    def __init__(self, problems: list[Problem]):
        count = len(problems)
        super().__init__(f"Die Datei wurde nicht übernommen: {count} Fehler gefunden. Es wurde nichts geändert."
                         if count != 1 else "Die Datei wurde nicht übernommen: 1 Fehler gefunden. Es wurde nichts "
                                            "geändert.")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    estimated_value: Decimal
    sha256: str
    submission_id: int


def template_file_name(rnd: Round, member: Member) -> str:
    """A download name we set ourselves (never taken from user input); ASCII only."""
    code = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in rnd.code)
    return f"Bedarf_{code}_{member.ags}.xlsx"


def build_demand_template(session: Session, rnd: Round, member: Member, *, now: datetime | None = None) -> bytes:
    """The .xlsx template of the member for the round: catalogue, current lines, delivery sites."""
    catalogue = [
        excel_writer.CatalogueItem(category=category, number=number, short_text=short_text, unit=unit,
                            reference_price=price)
        for category, number, short_text, unit, price in session.execute(
            select(Category.name, Product.number, Product.short_text, Unit.label, Product.reference_price)
            .join(Category, Product.category_id == Category.id)
            .join(Unit, Product.unit_code == Unit.code)
            .where(Category.active.is_(True), Product.active.is_(True))
            .order_by(Category.sort_order, Category.name, Product.number)
        )
    ]
    lines: list[excel_layout.SheetLine] = []
    submission = get_submission(session, rnd.id, member.id)
    if submission is not None:
        lines = [
            excel_layout.SheetLine(product_number=number, quantity=quantity, delivery_site=site,
                                cost_centre=cost_centre, budget_account=budget_account, note=note)
            for number, quantity, site, cost_centre, budget_account, note in session.execute(
                select(Product.number, DemandLine.quantity, DeliverySite.name, DemandLine.cost_centre,
                       DemandLine.budget_account, DemandLine.note)
                .join(Product, DemandLine.product_id == Product.id)
                .join(DeliverySite, DemandLine.delivery_site_id == DeliverySite.id)
                .where(DemandLine.submission_id == submission.id)
                .order_by(Product.number, DemandLine.id)
            )
        ]
    sites = list(session.scalars(
        select(DeliverySite.name).where(DeliverySite.member_id == member.id, DeliverySite.active.is_(True))
        .order_by(DeliverySite.name)
    ))
    info = excel_writer.TemplateInfo(round_code=rnd.code, round_title=rnd.title, deadline=rnd.deadline,
                              member_ags=member.ags, member_name=member.name, generated_at=now or utcnow())
    return excel_writer.build_template(info, catalogue, lines, sites)


def _site_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


def rows_to_lines(session: Session, member_id: int,
                  rows: list[excel_layout.SheetLine]) -> tuple[list[LineInput], list[Problem], dict[str, int]]:
    """Map article numbers and delivery-site names of the parsed rows to ids.

    An empty delivery site is the member's only active site when it has exactly one.
    Returns the lines, the problems, and origin → sheet row for the service's problems.
    """
    products = dict(session.execute(select(Product.number, Product.id)).tuples().all())
    sites = {}
    active_sites = []
    for site_id, name, active in session.execute(
            select(DeliverySite.id, DeliverySite.name, DeliverySite.active).where(DeliverySite.member_id == member_id)):
        sites[_site_key(name)] = site_id
        if active:
            active_sites.append((site_id, name))
    only_site = active_sites[0][0] if len(active_sites) == 1 else None
    site_names = ", ".join(sorted(name for _id, name in active_sites)) or "–"

    lines: list[LineInput] = []
    problems: list[Problem] = []
    origins: dict[str, int] = {}
    for row in rows:
        product_id = products.get(row.product_number)
        if product_id is None:
            problems.append(Problem(f"Unbekannte Artikel-Nr. „{excel_reader.shown(row.product_number)}“.",
                                    excel_layout.SHEET_DEMAND, row.row, excel_layout.LETTER["Artikel-Nr."]))
            continue
        if row.delivery_site:
            site_id = sites.get(_site_key(row.delivery_site))
            if site_id is None:
                problems.append(Problem(f"Unbekannte Lieferstelle „{excel_reader.shown(row.delivery_site)}“. Ihre "
                                        f"Lieferstellen: {site_names}.", excel_layout.SHEET_DEMAND, row.row,
                                        excel_layout.LETTER["Lieferstelle"]))
                continue
        elif only_site is not None:
            site_id = only_site
        else:
            problems.append(Problem(f"Bitte wählen Sie eine Lieferstelle ({site_names}).", excel_layout.SHEET_DEMAND,
                                    row.row, excel_layout.LETTER["Lieferstelle"]))
            continue
        origin = f"{excel_layout.SHEET_DEMAND}!{row.row}"
        origins[origin] = row.row
        lines.append(LineInput(product_id=product_id, delivery_site_id=site_id, quantity=row.quantity,
                               cost_centre=row.cost_centre, budget_account=row.budget_account, note=row.note,
                               origin=origin))
    return lines, problems, origins


def _service_problems(line_problems, origins: dict[str, int]) -> list[Problem]:
    return [Problem(p.message, excel_layout.SHEET_DEMAND if p.origin in origins else None, origins.get(p.origin),
                    FIELD_COLUMN.get(p.field) if p.origin in origins else None)
            for p in line_problems]


def _refuse(rnd: Round, member: Member, actor: Actor, sha256: str, problems: list[Problem]) -> None:
    log.info("demand import refused: round %s member %s by %s: %d problems (sha256 %s)", rnd.code, member.ags,
             getattr(actor, "email", actor), len(problems), sha256)
    raise WorkbookRejected(sorted(problems, key=lambda p: (p.sheet is not None, p.sheet or "", p.row or 0,
                                                           len(p.column or ""), p.column or "")))


@dataclass(frozen=True)
class ParsedImport:
    """An upload read and checked, ready to be saved: the lines and where each came from."""

    lines: list[LineInput]
    origins: dict[str, int]
    sha256: str


def parse_demand_workbook(session: Session, actor: Actor, rnd: Round, member: Member, data: bytes, *,
                          now: datetime | None = None, limits: UploadLimits = DEFAULT_LIMITS) -> ParsedImport:
    """Read and check an uploaded template without writing anything (the slow part of an import).

    Only reads the database, so a web request can run it before its write transaction begins
    and hold SQLite's write lock only for the short save (issue 11). Raises DeadlinePassed /
    InvalidState when the member may no longer change its demand (checked before the file is
    read), WorkbookRejected with every problem found otherwise.
    """
    ensure_editable(rnd, get_submission(session, rnd.id, member.id), now)
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = excel_reader.read_upload(data, round_code=rnd.code, member_ags=member.ags, limits=limits)
    # Rows that could be read are checked even when others could not, so that one upload
    # reports every error at once (cell errors, unknown articles and delivery sites alike).
    lines, problems, origins = rows_to_lines(session, member.id, parsed.rows) if parsed.rows else ([], [], {})
    problems = list(parsed.problems) + problems
    _clean, line_problems = validate_lines(session, member.id, lines)
    if problems or line_problems:
        # Name the demand rules' problems too, so that one upload shows every error at once.
        _refuse(rnd, member, actor, sha256, problems + _service_problems(line_problems, origins))
    return ParsedImport(lines=lines, origins=origins, sha256=sha256)


def save_demand_import(session: Session, actor: Actor, rnd: Round, member: Member, parsed: ParsedImport, *,
                       now: datetime | None = None) -> ImportSummary:
    """Replace the member's draft lines with the parsed lines (all or nothing, idempotent).

    The deadline and the lines are checked again inside the write transaction: the world may
    have changed since the file was parsed."""
    try:
        submission = replace_draft_lines(session, actor, rnd, member.id, parsed.lines, source=IMPORT_SOURCE,
                                         sha256=parsed.sha256, now=now)
    except InvalidLines as exc:  # raised before anything is written
        _refuse(rnd, member, actor, parsed.sha256, _service_problems(exc.problems, parsed.origins))
    totals = submission_totals(session, submission.id)
    log.info("demand import: round %s member %s by %s: %d lines (sha256 %s)", rnd.code, member.ags,
             getattr(actor, "email", actor), totals.lines, parsed.sha256)
    return ImportSummary(lines=totals.lines, estimated_value=totals.estimated_value, sha256=parsed.sha256,
                         submission_id=submission.id)


def import_demand_workbook(session: Session, actor: Actor, rnd: Round, member: Member, data: bytes, *,
                           now: datetime | None = None, limits: UploadLimits = DEFAULT_LIMITS) -> ImportSummary:
    """Replace the member's draft lines with the lines of an uploaded template (all or nothing).

    Raises DeadlinePassed / InvalidState when the member may no longer change its demand
    (checked before the file is read), WorkbookRejected with every problem found otherwise.
    """
    parsed = parse_demand_workbook(session, actor, rnd, member, data, now=now, limits=limits)
    return save_demand_import(session, actor, rnd, member, parsed, now=now)
