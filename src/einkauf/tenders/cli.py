"""`einkauf tender create ROUND [--json]` and `einkauf tender cancel REFERENCE --reason TEXT`.

tender create freezes the round's current lot plan. With --json one JSON object on stdout:
{"reference", "procedure", "threshold", "value_basis", "estimated_total", "maximum_total", "reason",
 "lots": [{"number", "estimated_value", "maximum_value", "procedure", "small_lot_quota"}]} (amounts
as strings with two decimals; value_basis "maximum" or "estimate": the value the threshold was
tested with, a setting of the round). Deadline warnings (§ 15 VgV) are printed on stderr as "Hinweis: …"; the
tender is created and records them.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import click

from einkauf.errors import ValidationFailed
from einkauf.lots.rules import format_money_de, format_number_de
from einkauf.tenders.rules import default_deadline



def _parse_day(text: str, what: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(f"{what}: „{text[:40]}“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ).")


def _parse_deadline(text: str | None, publication: date) -> datetime:
    if not text:
        return default_deadline(publication)
    day_text, _, time_text = text.strip().partition(" ")
    day = _parse_day(day_text, "--deadline")
    at = None
    if time_text.strip():
        try:
            at = datetime.strptime(time_text.strip(), "%H:%M").time()
        except ValueError:
            raise ValidationFailed(f"--deadline: „{time_text.strip()[:10]}“ ist keine Uhrzeit (HH:MM).") from None
    return default_deadline(publication, day, at)


def _euro(amount: str) -> str:
    return format_money_de(Decimal(amount))


def register(main: click.Group, pass_ctx) -> None:
    @main.group("tender")
    def tender_group() -> None:
        """Vergabeverfahren erstellen und aufheben."""

    @tender_group.command("create")
    @click.argument("round_code")
    @click.option("--publication-date", default=None, help="Geplanter Veröffentlichungstag (Standard: in 14 Tagen).")
    @click.option("--deadline", default=None,
                  help="Angebotsfrist 'JJJJ-MM-TT HH:MM' in Berliner Zeit (Standard: 35 Tage danach, 12:00 Uhr).")
    @click.option("--paper", is_flag=True, help="Angebote auch in Papierform (keine Fristverkürzung nach § 15 Abs. 4 VgV).")
    @click.option("--small-lots", default=None,
                  help="Lose für die Kleinlosregelung, z. B. '3,5'; 'keine' für keine; Standard: Vorschlag des Systems.")
    @click.option("--award", "award", default=None,
                  help="Zuschlagskriterien 'Preis: 70; Qualität: 30' (Standard: Preis 100 %).")
    @click.option("--title", default=None, help="Bezeichnung (Standard: Titel der Bedarfsabfrage).")
    @click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON-Objekt ausgeben.")
    @pass_ctx
    def tender_create(obj, round_code: str, publication_date: str | None, deadline: str | None, paper: bool,
                      small_lots: str | None, award: str | None, title: str | None, as_json: bool) -> None:
        """Den Losplan einer Bedarfsabfrage als Vergabeverfahren festschreiben."""
        from einkauf.lots.forms import default_publication_date
        from einkauf.tenders.rules import parse_award_criteria
        from einkauf.tenders.services import freeze_tender, tender_json

        publication = (_parse_day(publication_date, "--publication-date") if publication_date
                       else default_publication_date())
        submission_deadline = _parse_deadline(deadline, publication)
        chosen = None
        if small_lots is not None:
            chosen = [] if small_lots.strip().lower() in ("", "keine", "none") else [
                part.strip() for part in small_lots.split(",") if part.strip()]
        criteria = parse_award_criteria((award or "").replace(";", "\n"))
        prefix = obj.config.get("REFERENCE_PREFIX", "EK")
        with obj.session() as session:
            tender = freeze_tender(session, "cli", round_code, publication_date=publication,
                                   submission_deadline=submission_deadline, electronic_submission=not paper,
                                   award_criteria=criteria, small_lots=chosen, title=title,
                                   acknowledge_warnings=True, reference_prefix=prefix)
            result, warnings = tender_json(tender), tender.warning_list
        for warning in warnings:
            click.echo(f"Hinweis: {warning}", err=True)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
            return
        basis = "Höchstwert" if result["value_basis"] == "maximum" else "geschätzter Wert"
        click.echo(f"Vergabeverfahren {result['reference']} erstellt: {result['procedure']}, geschätzter "
                   f"Auftragswert {_euro(result['estimated_total'])}, Höchstwert {_euro(result['maximum_total'])} "
                   f"(maßgeblich: {basis}; EU-Schwellenwert {_euro(result['threshold'])}).")
        for lot in result["lots"]:
            quota = " – Kleinlosregelung" if lot["small_lot_quota"] else ""
            click.echo(f"  Los {lot['number']}: {lot['procedure']}, {_euro(lot['estimated_value'])}, Höchstwert "
                       f"{_euro(lot['maximum_value'])}{quota}")
        click.echo(f"Begründung: {result['reason']}")

    @tender_group.command("cancel")
    @click.argument("reference")
    @click.option("--reason", required=True, help="Grund der Aufhebung (5 bis 500 Zeichen).")
    @pass_ctx
    def tender_cancel(obj, reference: str, reason: str) -> None:
        """Ein Vergabeverfahren aufheben; danach können die Lose neu gebildet werden."""
        from einkauf.tenders.services import cancel_tender

        with obj.session() as session:
            tender = cancel_tender(session, "cli", reference, reason)
            done = tender.reference
        click.echo(f"Vergabeverfahren {done} aufgehoben.")

    @tender_group.command("documents")
    @click.argument("tender")
    @click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
                  help="Ordner, in den die Unterlagen geschrieben werden.")
    @pass_ctx
    def tender_documents(obj, tender: str, output: str) -> None:
        """Die Unterlagen eines Vergabeverfahrens erzeugen (neue Fassung) und in einen Ordner schreiben."""
        from pathlib import Path

        from einkauf.tenders.documents import write_atomically, generate_documents, read_document

        config = obj.config
        with obj.session() as session:
            created = generate_documents(session, "cli", tender, config["EXPORT_DIR"],
                                         cooperative_name=config["COOPERATIVE_NAME"],
                                         cooperative_address=config["COOPERATIVE_ADDRESS"])
            files = [(d.file_name, read_document(config["EXPORT_DIR"], d), d.sha256) for d in created]
        target = Path(output)
        for name, content, sha in files:
            try:
                write_atomically(target, name, content)
            except FileExistsError:
                raise ValidationFailed(f"{target / name} gibt es schon; es wird nichts überschrieben.") from None
            click.echo(f"{target / name}  ({format_number_de(len(content), 0)} Bytes, SHA-256 {sha})")
