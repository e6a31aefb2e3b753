"""Importing a supplier's sales report of one framework and month (issue 15 part 2, R6, R13, R21).

The file is read by einkauf.calloffs.report_reader (no database; callers parse before the write
transaction begins). This module resolves the rows against the framework: the member (by the
supplier's customer number mapped once, or by AGS — also an AGS whose leading zero a spreadsheet
dropped), which must take part in the lot (R6: only named members call off); the article (the
lot's product number → the framework position; any other article is kept as off-contract
spend, position None). Any problem and nothing is stored (all or nothing). A period imported
again replaces the stored one (same file, same rows: idempotent), audited with the counts
before and after. The rows are inserted in bulk (executemany of plain rows, not ORM objects).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.bids.models import Bidder
from einkauf.calloffs.frameworks import end_of, get_framework, participating_members
from einkauf.calloffs.models import CallOff, CustomerNumber, Framework, SalesReport
from einkauf.calloffs.report_reader import (
    MEMBER,
    SALES_REPORT_LIMITS,
    ReportFormat,
    ReportResult,
    ReportRow,
    read_sales_report,
)
from einkauf.db import unique_or, utcnow
from einkauf.demand.excel_reader import Problem
from einkauf.demand.upload_checks import UploadLimits
from einkauf.errors import InvalidField, StaleVersion, ValidationFailed
from einkauf.formatting import format_date_de, format_money_de
from einkauf.lots.models import LotPosition
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member
from einkauf.tenders.models import TenderLot

INSERT_CHUNK = 20_000
MAX_PROBLEMS = 200

_COLUMNS = ("report_id", "framework_id", "period", "member_id", "position_id", "row_number", "article_number",
            "article_text", "quantity", "net_amount", "credit_note", "delivery_site", "order_date")


def _insert_rows(session: Session, report_id: int, framework_id: int, period: date, rows: list[ReportRow],
                 members: dict[str, int], positions: dict[str, int],
                 progress: Callable[[int, int], None] | None) -> None:
    """The call-off rows in bulk: the driver's executemany of plain tuples (no per-row statement
    compilation), quantity in thousandths and net amount in cents as the columns store them, days
    as SQLite's Date column stores them (ISO text) or as dates for PostgreSQL."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO call_offs ({', '.join(_COLUMNS)}) VALUES ({', '.join([marker] * len(_COLUMNS))})")

    def day(value: date | None):
        return value.isoformat() if sqlite and value is not None else value

    month = day(period)
    days = {value: day(value) for value in {row.ordered for row in rows}}
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = [(report_id, framework_id, month, members[row.member], positions.get(row.article), row.row, row.article,
                  row.text, row.quantity_milli, row.amount_cents, row.credit, row.site, days[row.ordered])
                 for row in rows[start:start + INSERT_CHUNK]]
        connection.exec_driver_sql(sql, chunk)
        if progress is not None:
            progress(start + len(chunk), len(rows))


class SalesReportRefused(ValidationFailed):
    """The report has problems (each with row and column); nothing was stored."""

    def __init__(self, problems: list[Problem], message: str = "Die Umsatzmeldung wurde nicht übernommen; es wurde "
                                                                "nichts gespeichert."):
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class ImportOutcome:
    report: SalesReport
    format: ReportFormat
    rows: int
    off_contract_rows: int
    net_total: Decimal
    replaced_rows: int | None  # the rows of the period before (None: a new period)


_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def parse_period(text: str) -> date:
    """'2027-03' → 1 March 2027; InvalidField (German) otherwise."""
    match = _PERIOD.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidField("period", f"Zeitraum „{(text or '').strip()[:20]}“: bitte als JJJJ-MM angeben, z. B. "
                                     "2027-03.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_label(period: date) -> str:
    return f"{period.month:02d}/{period.year}"


def read_report_file(data: bytes, limits: UploadLimits = SALES_REPORT_LIMITS) -> ReportResult:
    """Parse a report file (no database work: call it before the write transaction)."""
    return read_sales_report(data, limits)


def _check_period(framework: Framework, period: date) -> None:
    end = end_of(framework)
    month_end = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    if month_end <= framework.starts_on or period > end:
        raise InvalidField("period", f"Der Monat {period_label(period)} liegt außerhalb der Laufzeit des "
                                     f"Rahmenvertrags ({format_date_de(framework.starts_on)} bis "
                                     f"{format_date_de(end)}).")


def _pairs(result: Any) -> dict[Any, Any]:
    return {row[0]: row[1] for row in result}


def import_sales_report(session: Session, actor: Actor, framework_id: int, period: date, data: bytes, *,
                        file_name: str = "", parsed: ReportResult | None = None,
                        limits: UploadLimits = SALES_REPORT_LIMITS,
                        progress: Callable[[int, int], None] | None = None) -> ImportOutcome:
    """Import (or replace) the sales report of a framework and month; see the module docstring.
    Raises SalesReportRefused with the problems, InvalidField for a period outside the term."""
    framework = get_framework(session, framework_id)
    _check_period(framework, period)
    result = parsed if parsed is not None else read_sales_report(data, limits)
    if not result.ok:
        raise SalesReportRefused(result.problems)
    tender_lot = session.get(TenderLot, framework.tender_lot_id)
    assert tender_lot is not None
    bidder = session.get(Bidder, framework.bidder_id)
    positions: dict[str, int] = _pairs(session.execute(
        select(LotPosition.product_number, LotPosition.id).where(LotPosition.lot_id == tender_lot.lot_id)))
    taking_part = {m.id for m in participating_members(session, framework)}
    by_ags: dict[str, int] = _pairs(session.execute(select(Member.ags, Member.id)))
    by_number: dict[str, int] = _pairs(session.execute(
        select(CustomerNumber.customer_number, CustomerNumber.member_id)
        .where(CustomerNumber.bidder_id == framework.bidder_id)))
    names: dict[int, str] = _pairs(session.execute(select(Member.id, Member.name)))
    # Members are resolved once per distinct value written (a few hundred), not once per row.
    resolved: dict[str, int] = {}
    refused: dict[str, str] = {}
    for written in {row.member for row in result.rows}:
        member_id = by_number.get(written) or by_ags.get(written)
        if member_id is None and written.isdigit() and len(written) == 7:
            member_id = by_ags.get(written.zfill(8))  # an AGS whose leading zero was dropped
        if member_id is None:
            refused[written] = (f"Unbekanntes Mitglied „{written[:40]}“: weder ein AGS noch eine für "
                                f"{bidder.name if bidder else 'den Lieferanten'} erfasste Kundennummer.")
        elif member_id not in taking_part:
            refused[written] = (f"{names.get(member_id, written)} ist an Los {tender_lot.number} nicht beteiligt und "
                                "in der Rahmenvereinbarung nicht benannt; es darf daraus nicht abrufen (R6).")
        else:
            resolved[written] = member_id
    if refused:
        problems = [Problem(refused[row.member], None, row.row, MEMBER)
                    for row in result.rows if row.member in refused][:MAX_PROBLEMS]
        if len(problems) == MAX_PROBLEMS:
            problems.append(Problem(f"Die Prüfung wurde nach {MAX_PROBLEMS} Fehlern abgebrochen."))
        raise SalesReportRefused(problems)
    rows = result.rows
    net = sum(row.amount_cents for row in rows)
    off_contract = sum(1 for row in rows if row.article not in positions)

    fmt = result.format
    report = session.scalar(select(SalesReport).where(SalesReport.framework_id == framework.id,
                                                      SalesReport.period == period))
    before: dict[str, object] | None = None
    replaced_rows: int | None = None
    if report is not None:
        replaced_rows = report.rows
        before = {"rows": report.rows, "off_contract_rows": report.off_contract_rows, "net_total": report.net_total,
                  "file_sha256": report.file_sha256}
        session.execute(delete(CallOff).where(CallOff.report_id == report.id))
        report.version += 1
    else:
        report = SalesReport(framework_id=framework.id, period=period, file_sha256="")
        with unique_or(session, StaleVersion("Die Umsatzmeldung dieses Monats wurde gerade von anderer Seite "
                                             "eingelesen. Bitte prüfen Sie sie und lesen Sie die Datei bei Bedarf "
                                             "erneut ein.")):
            session.add(report)
            session.flush()
    report.file_name = (file_name or "")[:255]
    report.file_sha256 = hashlib.sha256(data).hexdigest()
    report.file_format = fmt.file_format
    report.encoding = fmt.encoding
    report.delimiter = fmt.delimiter
    report.decimal_mark = fmt.decimal_mark
    report.rows = len(rows)
    report.off_contract_rows = off_contract
    report.net_total = cents_to_euro(net)
    report.imported_at = utcnow()
    report.imported_by_id = getattr(actor, "id", None)
    report.imported_by_label = actor_label(actor)
    session.flush()
    _insert_rows(session, report.id, framework.id, period, rows, resolved, positions, progress)
    after = {"rows": report.rows, "off_contract_rows": off_contract, "net_total": report.net_total,
             "file_sha256": report.file_sha256, "format": fmt.describe()}
    record_event(session, actor, "sales_report.import", "framework", framework.id,
                 summary=f"Umsatzmeldung {period_label(period)} für Los {tender_lot.number} "
                         f"({bidder.name if bidder else ''}): {report.rows} Zeilen, davon {off_contract} außerhalb des "
                         f"Vertrags, netto {format_money_de(report.net_total)}"
                         + (f"; ersetzt {before['rows']} Zeilen" if before else ""),
                 before=before, after=after)
    return ImportOutcome(report, fmt, report.rows, off_contract, report.net_total,
                         replaced_rows)
