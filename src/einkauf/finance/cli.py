"""`einkauf export finance ROUND --format xlsx|csv|abstimmung -o FILE [--prices estimated|awarded]`.

`abstimmung` writes the reconciliation per lot (README „Money and quantities“) instead of the rows.

Further options: `--member AGS` (one member's share only) and `--profile NAME|FILE.toml` (a
column profile from instance/export_profiles/ or a file). The file is written under a temporary
name in the target folder and renamed when complete, so a failed export leaves no half-written
file. On success one line on stdout with the row count and control totals; otherwise one German
line on stderr and exit code 1 (main group).
"""
from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import click

from einkauf.formatting import format_decimal_de


def register(main: click.Group, pass_ctx) -> None:
    @main.group("export")
    def export_group() -> None:
        """Dateien für andere Systeme erzeugen."""

    @export_group.command("finance")
    @click.argument("round_code")
    @click.option("--format", "fmt", required=True, type=click.Choice(["xlsx", "csv", "abstimmung"]),
                  help="Dateiformat; abstimmung: die Abstimmung je Los (Jahreswerte, Werte über die Laufzeit) als CSV.")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Zieldatei.")
    @click.option("--prices", default="estimated", show_default=True, type=click.Choice(["estimated", "awarded"]),
                  help="Preisbasis: Schätzpreise oder Zuschlagspreise.")
    @click.option("--member", "member_ags", default=None, help="Nur den Anteil dieses Mitglieds (AGS).")
    @click.option("--profile", "profile_name", default=None,
                  help="Spaltenprofil: Name in instance/export_profiles/ oder Pfad einer .toml-Datei.")
    @click.option("--tender", "tender_reference", default=None,
                  help="Den festgeschriebenen Stand dieses Vergabeverfahrens der Bedarfsabfrage exportieren "
                       "(mit Vergabenummer).")
    @pass_ctx
    def export_finance(obj, round_code: str, fmt: str, output: Path, prices: str, member_ags: str | None,
                       profile_name: str | None, tender_reference: str | None) -> None:
        """Kostenaufteilung einer Bedarfsabfrage (Anteile je Mitglied, Los, Kostenstelle, Sachkonto)."""
        from sqlalchemy import select

        from einkauf.db import write_intent
        from einkauf.errors import NotFound, ValidationFailed
        from einkauf.exports.finance_profiles import get_profile, load_profile_file
        from einkauf.finance import services
        from einkauf.rounds.models import Member
        from einkauf.rounds.services import get_round_by_code

        if profile_name and profile_name.endswith(".toml"):
            profile = load_profile_file(Path(profile_name))
        else:
            profile = get_profile(obj.config["INSTANCE_PATH"], profile_name)
        folder = output.resolve().parent
        if not folder.is_dir():
            raise ValidationFailed(f"Der Zielordner {folder} existiert nicht.")

        token = write_intent.set(False)  # a long read: SQLite must not lock out writers meanwhile
        try:
            with obj.session() as session:
                member_id = None
                if member_ags:
                    member_id = session.scalar(select(Member.id).where(Member.ags == member_ags.strip()))
                    if member_id is None:
                        raise NotFound(f"Kein Mitglied mit dem AGS {member_ags.strip()[:8]}.")
                if tender_reference:
                    export = services.prepare_tender_export(session, tender_reference, member_id=member_id,
                                                            prices=prices)
                    if export.round.code != round_code.strip():
                        raise ValidationFailed(f"Das Vergabeverfahren {export.reference} gehört nicht zur "
                                               f"Bedarfsabfrage {round_code.strip()[:20]}.")
                else:
                    export = services.prepare_round_export(
                        session, get_round_by_code(session, round_code).id, member_id=member_id, prices=prices
                    )
                handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
                try:
                    with os.fdopen(handle, "wb") as stream:
                        totals = services.write_export(session, export, fmt, stream, profile=profile, actor="cli")
                    os.replace(temporary, output)
                except BaseException:
                    Path(temporary).unlink(missing_ok=True)
                    raise
        finally:
            write_intent.reset(token)
        if fmt == "abstimmung":
            click.echo(f"Abstimmung je Los {export.round.code} (Profil {profile.name}): {len(export.info.lots)} Lose, "
                       f"{format_decimal_de(Decimal(totals.rows), 0)} Zeilen, "
                       f"netto {format_decimal_de(totals.net, 2)} € → {output}")
            return
        click.echo(f"Kostenaufteilung {export.round.code} ({fmt}, Profil {profile.name}): "
                   f"{format_decimal_de(Decimal(totals.rows), 0)} Zeilen, netto {format_decimal_de(totals.net, 2)} €, "
                   f"USt {format_decimal_de(totals.vat, 2)} €, "
                   f"brutto {format_decimal_de(totals.gross, 2)} €"
                   + (f", {format_decimal_de(Decimal(totals.unpriced_rows), 0)} Zeilen ohne Zuschlagspreis"
                      if prices == "awarded" else "")
                   + f" → {output}")
