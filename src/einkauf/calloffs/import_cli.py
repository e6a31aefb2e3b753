"""`einkauf calloffs …` — frameworks and suppliers' sales reports in (issue 15 parts 1 and 2).

    einkauf calloffs frameworks TENDER [--start JJJJ-MM-TT]
    einkauf calloffs option TENDER --lot N --option K --exercised ja|nein [--day JJJJ-MM-TT] [--note TEXT]
    einkauf calloffs customer-number BIDDER NUMBER AGS
    einkauf calloffs template TENDER --lot N -o FILE.xlsx|FILE.csv
    einkauf calloffs import TENDER FILE.xlsx|FILE.csv --lot N --period JJJJ-MM
"""
from __future__ import annotations

import sys

import click

from einkauf.errors import ValidationFailed


def _day(text: str | None, what: str):
    from einkauf.berlin import parse_day

    if text is None:
        return None
    try:
        return parse_day(text, what)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def register(group: click.Group, pass_ctx) -> None:
    """Adds the framework and import commands to the `calloffs` group."""

    @group.command("frameworks")
    @click.argument("tender")
    @click.option("--start", default=None, help="Beginn der Laufzeit (JJJJ-MM-TT); Standard: Tag nach dem "
                                                "erfassten Vertragsschluss des Loses.")
    @pass_ctx
    def frameworks(obj, tender: str, start: str | None) -> None:
        """Die Rahmenverträge der bezuschlagten Lose anlegen (fehlende) und mit ihrem Stand auflisten."""
        from einkauf import clock
        from einkauf.calloffs.frameworks import ensure_frameworks, framework_rows
        from einkauf.formatting import format_date_de
        from einkauf.tenders.services import get_tender

        starts_on = _day(start, "--start")
        with obj.session() as session:
            created = ensure_frameworks(session, "cli", tender, starts_on=starts_on)
            created_ids = {f.id for f in created}
            tender_id = get_tender(session, tender).id
            lines = [f"{row.reference} Los {row.lot_number} ({row.supplier}): {format_date_de(row.framework.starts_on)}"
                     f" bis {format_date_de(row.ends_on)}, {row.state_label}"
                     + (" – neu angelegt" if row.framework.id in created_ids else "")
                     for row in framework_rows(session, clock.today_berlin()) if row.tender_id == tender_id]
        click.echo(f"{len(created)} Rahmenvertrag/-verträge angelegt." if created else
                   "Alle bezuschlagten Lose haben bereits einen Rahmenvertrag.")
        for line in lines:
            click.echo(line)

    @group.command("option")
    @click.argument("tender")
    @click.option("--lot", "lot", required=True, help="Losnummer.")
    @click.option("--option", "number", type=int, required=True, help="Nummer der Option (1, 2 …).")
    @click.option("--exercised", type=click.Choice(["ja", "nein"]), required=True, help="Ausgeübt: ja oder nein.")
    @click.option("--day", default=None, help="Tag der Entscheidung (JJJJ-MM-TT); Standard: heute.")
    @click.option("--note", default="", help="Bemerkung.")
    @pass_ctx
    def option(obj, tender: str, lot: str, number: int, exercised: str, day: str | None, note: str) -> None:
        """Über eine Verlängerungsoption entscheiden (der Reihe nach)."""
        from einkauf import clock
        from einkauf.calloffs.frameworks import decide_option, end_of, framework_of_lot
        from einkauf.formatting import format_date_de

        decided_on = _day(day, "--day") or clock.today_berlin()
        with obj.session() as session:
            framework = framework_of_lot(session, tender, lot)
            current = next((o for o in framework.options if o.number == number), None)
            decide_option(session, "cli", framework.id, number, exercised=exercised == "ja", decided_on=decided_on,
                          note=note, expected_version=current.version if current else 1)
            end = end_of(framework)
        click.echo(f"Option {number} {'ausgeübt' if exercised == 'ja' else 'nicht ausgeübt'}; Laufzeit bis "
                   f"{format_date_de(end)}.")

    @group.command("customer-number")
    @click.argument("bidder")
    @click.argument("number")
    @click.argument("ags")
    @pass_ctx
    def customer_number(obj, bidder: str, number: str, ags: str) -> None:
        """Eine Kundennummer des Lieferanten einem Mitglied (AGS) zuordnen."""
        from einkauf.bids.services import get_bidder
        from einkauf.calloffs.frameworks import set_customer_number

        with obj.session() as session:
            row = get_bidder(session, bidder)
            set_customer_number(session, "cli", row.id, number, ags)
            name = row.name
        click.echo(f"Kundennummer {number.strip()} von {name} → AGS {ags.strip()}.")

    @group.command("template")
    @click.argument("tender")
    @click.option("--lot", "lot", required=True, help="Losnummer.")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                  help="Zieldatei (.xlsx oder .csv).")
    @pass_ctx
    def template(obj, tender: str, lot: str, output: str) -> None:
        """Eine leere Umsatzmeldung (Vorlage) für ein Los schreiben."""
        from einkauf.calloffs.frameworks import framework_of_lot, framework_positions
        from einkauf.calloffs.report_template import build_template_csv, build_template_xlsx
        from einkauf.console import write_atomically

        if not output.lower().endswith((".xlsx", ".csv")):
            raise ValidationFailed("-o: bitte eine Datei mit der Endung .xlsx oder .csv angeben.")
        with obj.session() as session:
            framework = framework_of_lot(session, tender, lot)
            positions = [(p.product_number, p.short_text) for p in framework_positions(session, framework)]
        data = build_template_csv(positions) if output.lower().endswith(".csv") else build_template_xlsx(positions)
        write_atomically(output, data)
        click.echo(f"Vorlage mit {len(positions)} Artikeln geschrieben: {output}")

    @group.command("import")
    @click.argument("tender")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--lot", "lot", required=True, help="Losnummer.")
    @click.option("--period", "period", required=True, help="Gemeldeter Monat (JJJJ-MM).")
    @pass_ctx
    def import_report(obj, tender: str, path: str, lot: str, period: str) -> None:
        """Eine Umsatzmeldung (xlsx oder CSV) für ein Los und einen Monat einlesen; ein erneuter Import des
        Monats ersetzt ihn."""
        from einkauf.calloffs.frameworks import framework_of_lot
        from einkauf.calloffs.report_reader import SALES_REPORT_LIMITS
        from einkauf.calloffs.reports import (
            SalesReportRefused,
            import_sales_report,
            parse_period,
            period_label,
            read_report_file,
        )
        from einkauf.db import write_intent
        from einkauf.formatting import format_money_de

        month = parse_period(period)
        tty = sys.stderr.isatty()

        def say(text: str) -> None:
            if tty:
                click.echo(text, err=True)

        try:
            with open(path, "rb") as fh:
                data = fh.read(SALES_REPORT_LIMITS.max_bytes + 1)
        except OSError as exc:
            click.echo(f"Fehler: Die Datei {path} kann nicht gelesen werden ({exc.strerror or exc}).", err=True)
            sys.exit(1)
        token = write_intent.set(False)  # check the framework and parse before the write transaction
        try:
            with obj.session() as session:
                framework_id = framework_of_lot(session, tender, lot).id
        finally:
            write_intent.reset(token)
        say(f"Lese {path} …")
        parsed = read_report_file(data)
        say(f"{len(parsed.rows)} Zeilen gelesen; prüfe und speichere …")

        def progress(done: int, total: int) -> None:
            say(f"{done} von {total} Zeilen gespeichert …")

        try:
            with obj.session() as session:
                outcome = import_sales_report(session, "cli", framework_id, month, data,
                                              file_name=path.replace("\\", "/").rsplit("/", 1)[-1], parsed=parsed,
                                              progress=progress)
                lines = [f"Format: {outcome.format.describe()}",
                         f"Umsatzmeldung {period_label(month)} für Los {lot}: {outcome.rows} Zeilen, davon "
                         f"{outcome.off_contract_rows} außerhalb des Vertrags; "
                         f"netto {format_money_de(outcome.net_total)}"
                         + (f"; ersetzt die bisherige Meldung ({outcome.replaced_rows} Zeilen)."
                            if outcome.replaced_rows is not None else ".")]
        except SalesReportRefused as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            click.echo(f"Fehler: {exc.message}", err=True)
            sys.exit(1)
        for line in lines:
            click.echo(line)
