"""The contracts commands (issue 14):

    einkauf tender letters TENDER -o DIR      the members' award letters (Zuschlagsmitteilung /
        Abrufberechtigung, part 1) — generated for all members in one run, registered in the
        tender's document register and copied into DIR
    einkauf export savings ROUND -o FILE.xlsx  the savings report of a round (part 4): written under
        a temporary name in the target folder and renamed when complete; one line with the totals
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from einkauf.errors import ValidationFailed

PROGRESS_EVERY = 50

def register(main: click.Group, pass_ctx) -> None:
    @main.commands["tender"].command("letters")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
                  help="Ordner, in den die Zuschlagsmitteilungen geschrieben werden.")
    @pass_ctx
    def tender_letters(obj, tender: str, output: str) -> None:
        """Zuschlagsmitteilungen (Abrufberechtigungen) für alle beteiligten Mitglieder erzeugen
        (sobald über mindestens ein Los entschieden ist)."""
        from einkauf.console import write_atomically
        from einkauf.contracts.letters import generate_award_letters
        from einkauf.tenders.documents import staged_content

        def progress(count: int, _member) -> None:
            if count % PROGRESS_EVERY == 0:
                click.echo(f"{count} Zuschlagsmitteilungen erzeugt …", err=True)

        target = Path(output)
        config = obj.config
        with obj.session() as session:
            documents = generate_award_letters(session, "cli", tender, export_dir=config["EXPORT_DIR"],
                                               cooperative_name=config["COOPERATIVE_NAME"],
                                               cooperative_address=config["COOPERATIVE_ADDRESS"],
                                               progress=progress)
            clashes = [d.file_name for d in documents if (target / d.file_name).exists()]
            if clashes:  # raised inside the session: nothing is recorded
                raise ValidationFailed(f"{target / clashes[0]} gibt es schon; es wurde nichts erzeugt und nichts "
                                       "überschrieben. Bitte einen anderen Ordner angeben.")
            target.mkdir(parents=True, exist_ok=True)
            for document in documents:  # one file in memory at a time
                write_atomically(str(target / document.file_name), staged_content(session, document))
            names = [d.file_name for d in documents]
        for name in names:
            click.echo(str(target / name))
        click.echo(f"{len(names)} Zuschlagsmitteilungen.")

    export_group = main.commands["export"]
    assert isinstance(export_group, click.Group)

    @export_group.command("savings")
    @click.argument("round_code")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Zieldatei (.xlsx).")
    @pass_ctx
    def export_savings(obj, round_code: str, output: Path) -> None:
        """Einsparungen einer Bedarfsabfrage: Schätzwert gegen Zuschlagswert je Los, Warengruppe, Mitglied."""
        from einkauf.contracts.savings import report_sheets, savings_report
        from einkauf.errors import ValidationFailed
        from einkauf.exports.savings_xlsx import write_savings_xlsx
        from einkauf.formatting import format_money_de, format_number_de
        from einkauf.rounds.services import get_round_by_code

        folder = output.resolve().parent
        if not folder.is_dir():
            raise ValidationFailed(f"Der Zielordner {folder} existiert nicht.")
        with obj.session() as session:
            report = savings_report(session, get_round_by_code(session, round_code).id)
        data = write_savings_xlsx(report_sheets(report))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".einsparungen-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        pct = report.total.pct
        click.echo(f"{output}: Schätzwert {format_money_de(report.total.estimated)}, Zuschlag "
                   f"{format_money_de(report.total.awarded)}, Einsparung {format_money_de(report.total.saving)}"
                   + (f" ({format_number_de(pct)} %)" if pct is not None else "") + ".")
