"""`einkauf demand …`: the Excel template of a member, and importing a filled one.

    einkauf demand template ROUND AGS -o FILE.xlsx
    einkauf demand import ROUND AGS FILE.xlsx

Exit 0 with a summary on stdout; otherwise non-zero with one German line per problem on
stderr (domain errors through the main group), never a traceback.
"""
from __future__ import annotations

import sys

import click

from einkauf.console import write_atomically


def _round_and_member(session, round_code: str, ags: str):
    from sqlalchemy import select

    from einkauf.errors import InvalidState, NotFound
    from einkauf.rounds.models import Member, RoundStatus
    from einkauf.rounds.services import get_round_by_code

    rnd = get_round_by_code(session, round_code)
    if rnd.status == RoundStatus.DRAFT:
        raise InvalidState(f"Die Bedarfsabfrage {rnd.code} ist noch nicht geöffnet.")
    ags = ags.strip()
    member = session.scalar(select(Member).where(Member.ags == ags))
    if member is None:
        raise NotFound(f"Es gibt kein Mitglied mit dem AGS „{ags[:20]}“.")
    return rnd, member


def register(main: click.Group, pass_ctx) -> None:
    @main.group("demand")
    def demand_group() -> None:
        """Bedarfsmeldungen: Excel-Vorlage und Import."""

    @demand_group.command("template")
    @click.argument("round_code")
    @click.argument("ags")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
                  help="Zieldatei (.xlsx).")
    @pass_ctx
    def demand_template(obj, round_code: str, ags: str, output: str) -> None:
        """Die Excel-Vorlage eines Mitglieds für eine Bedarfsabfrage schreiben."""
        from einkauf.demand.excel_service import build_demand_template
        from einkauf.demand.queries import get_submission, submission_totals

        with obj.session() as session:
            rnd, member = _round_and_member(session, round_code, ags)
            data = build_demand_template(session, rnd, member)
            submission = get_submission(session, rnd.id, member.id)
            lines = submission_totals(session, submission.id if submission else None).lines
            label = f"{member.name} ({member.ags}), Bedarfsabfrage {rnd.code}"
        try:
            write_atomically(output, data)
        except OSError as exc:
            click.echo(f"Fehler: Die Datei {output} kann nicht geschrieben werden ({exc.strerror or exc}).", err=True)
            sys.exit(1)
        click.echo(f"Vorlage für {label} gespeichert: {output} ({lines} Positionen vorbelegt).")

    @demand_group.command("import")
    @click.argument("round_code")
    @click.argument("ags")
    @click.argument("path", type=click.Path(dir_okay=False))
    @pass_ctx
    def demand_import(obj, round_code: str, ags: str, path: str) -> None:
        """Eine ausgefüllte Excel-Vorlage importieren: ersetzt alle Entwurfspositionen des Mitglieds."""
        from einkauf.db import write_intent
        from einkauf.demand.excel_service import WorkbookRejected, parse_demand_workbook, save_demand_import
        from einkauf.demand.upload_checks import DEFAULT_LIMITS
        from einkauf.formatting import format_decimal_de

        try:
            with open(path, "rb") as fh:
                data = fh.read(DEFAULT_LIMITS.max_bytes + 1)
        except OSError as exc:
            click.echo(f"Fehler: Die Datei {path} kann nicht gelesen werden ({exc.strerror or exc}).", err=True)
            sys.exit(1)
        try:
            # Parse in a read transaction, save in a short write transaction (issue 11): the
            # web app's writes do not wait for SQLite's write lock while the file is parsed.
            token = write_intent.set(False)
            try:
                with obj.session() as session:
                    rnd, member = _round_and_member(session, round_code, ags)
                    parsed = parse_demand_workbook(session, "cli", rnd, member, data)
            finally:
                write_intent.reset(token)
            with obj.session() as session:
                rnd, member = _round_and_member(session, round_code, ags)
                summary = save_demand_import(session, "cli", rnd, member, parsed)
                label = f"{member.name} ({member.ags}), Bedarfsabfrage {rnd.code}"
        except WorkbookRejected as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(1)
        click.echo(f"Import für {label}: {summary.lines} Positionen übernommen, geschätzter Wert "
                   f"{format_decimal_de(summary.estimated_value, 2)} € (SHA-256 {summary.sha256}).")
