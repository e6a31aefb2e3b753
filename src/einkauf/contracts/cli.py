"""`einkauf export savings ROUND -o FILE.xlsx`: the savings report of a round (issue 14 part 4).

Added to the `export` group. The file is written under a temporary name in the target folder and
renamed when complete; one line on stdout with the totals.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


def register(main: click.Group, pass_ctx) -> None:
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
