"""`einkauf tender create ROUND [--json]` and `einkauf tender cancel REFERENCE --reason TEXT`.

tender create freezes the round's current lot plan. With --json one JSON object on stdout:
{"reference", "procedure", "threshold", "value_basis", "estimated_total", "maximum_total", "reason",
 "lots": [{"number", "cpv_code", "additional_cpv_codes", "estimated_value", "maximum_value", "procedure",
 "small_lot_quota"}]} (amounts as strings with two decimals; value_basis "maximum" or "estimate":
the value the threshold was tested with, a setting of the round; "additional_cpv_codes" lists the
other CPV codes of a lot merged from several categories). A plan that is no longer current
(demand, lot rules or catalogue data changed since the build) is refused with one line naming
what changed. A deadline shorter than § 15 VgV allows needs --justification TEXT (20 to
2000 characters): without it nothing is created (exit 1, one line on stderr); with it the
tender is created, records warning and justification, and the warning is printed on stderr as
"Hinweis: …".
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import click

from einkauf.berlin import format_berlin, parse_day
from einkauf.errors import ValidationFailed
from einkauf.formatting import format_money_de, format_number_de
from einkauf.tenders.rules import default_deadline


def _parse_day(text: str, what: str) -> date:
    try:
        return parse_day(text, what)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def _parse_deadline(text: str | None, publication: date, option: str = "--deadline") -> datetime:
    if not text:
        return default_deadline(publication)
    day_text, _, time_text = text.strip().partition(" ")
    day = _parse_day(day_text, option)
    at = None
    if time_text.strip():
        try:
            at = datetime.strptime(time_text.strip(), "%H:%M").time()
        except ValueError:
            raise ValidationFailed(f"{option}: „{time_text.strip()[:10]}“ ist keine Uhrzeit (HH:MM).") from None
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
                  help="Angebotsfrist 'JJJJ-MM-TT HH:MM' in Berliner Zeit (Standard: 12:00 Uhr am ersten Werktag "
                       "nach Ablauf von 35 Tagen).")
    @click.option("--question-deadline", default=None,
                  help="Frist für Bieterfragen 'JJJJ-MM-TT HH:MM' in Berliner Zeit (Standard: 12:00 Uhr an einem "
                       "Werktag 10 Tage vor der Angebotsfrist).")
    @click.option("--justification", default=None,
                  help="Begründung einer Angebotsfrist unter der Mindestfrist nach § 15 VgV (20 bis 2.000 Zeichen); "
                       "ohne sie wird ein Verfahren mit zu kurzer Frist nicht erstellt.")
    @click.option(
        "--paper", is_flag=True, help="Angebote auch in Papierform (keine Fristverkürzung nach § 15 Abs. 4 VgV)."
    )
    @click.option(
        "--small-lots",
        default=None,
        help="Lose für die Kleinlosregelung, z. B. '3,5'; 'keine' für keine; Standard: Vorschlag des Systems.",
    )
    @click.option("--award", "award", default=None,
                  help="Zuschlagskriterien 'Preis: 70; Qualität: 30' (Standard: Preis 100 %).")
    @click.option("--price-method", type=click.Choice(["ratio", "interpolation"]), default="ratio", show_default=True,
                  help="Umrechnung des Preises in Punkte bei Preis und Qualität: ratio = niedrigste ÷ eigene "
                       "Losgesamtsumme × Höchstpunktzahl; interpolation = 0 Punkte ab der doppelten niedrigsten.")
    @click.option("--title", default=None, help="Bezeichnung (Standard: Titel der Bedarfsabfrage).")
    @click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON-Objekt ausgeben.")
    @pass_ctx
    def tender_create(obj, round_code: str, publication_date: str | None, deadline: str | None,
                      question_deadline: str | None, justification: str | None, paper: bool,
                      small_lots: str | None, award: str | None, price_method: str, title: str | None,
                      as_json: bool) -> None:
        """Den Losplan einer Bedarfsabfrage als Vergabeverfahren festschreiben."""
        from einkauf.lots.forms import default_publication_date
        from einkauf.rounds.services import get_round_by_code
        from einkauf.tenders.rules import parse_award_criteria
        from einkauf.tenders.services import MissingJustification, freeze_tender, tender_json

        publication = (_parse_day(publication_date, "--publication-date") if publication_date
                       else default_publication_date())
        submission_deadline = _parse_deadline(deadline, publication)
        questions = (_parse_deadline(question_deadline, publication, "--question-deadline") if question_deadline
                     else None)
        chosen = None
        if small_lots is not None:
            chosen = [] if small_lots.strip().lower() in ("", "keine", "none") else [
                part.strip() for part in small_lots.split(",") if part.strip()]
        criteria = parse_award_criteria((award or "").replace(";", "\n"))
        prefix = obj.config.get("REFERENCE_PREFIX", "EK")
        with obj.session() as session:
            try:
                tender = freeze_tender(
                    session,
                    "cli",
                    get_round_by_code(session, round_code).id,
                    publication_date=publication,
                    submission_deadline=submission_deadline,
                    electronic_submission=not paper,
                    award_criteria=criteria,
                    small_lots=chosen,
                    title=title,
                    acknowledge_warnings=True,
                    deadline_justification=justification or "",
                    question_deadline=questions,
                    reference_prefix=prefix,
                    price_method=price_method,
                )
            except MissingJustification as exc:
                if not (justification or "").strip():
                    raise ValidationFailed(" ".join(exc.warnings) + " Ohne Begründung wird das Vergabeverfahren "
                                           "nicht erstellt: bitte --justification TEXT angeben (20 bis 2.000 "
                                           "Zeichen).") from None
                raise ValidationFailed(f"--justification: {exc.message}") from None
            result, warnings = tender_json(tender), tender.warning_list
            questions_until = tender.question_deadline
            deadlines = (f"Frist für Bieterfragen: {format_berlin(questions_until) if questions_until else '–'}; "
                         "Angebotsfrist: "
                         f"{format_berlin(tender.submission_deadline)} (deutsche Zeit).")
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
            cpv = ", ".join([f"CPV {lot['cpv_code']}", *lot["additional_cpv_codes"]])
            click.echo(f"  Los {lot['number']} ({cpv}): {lot['procedure']}, {_euro(lot['estimated_value'])}, "
                       f"Höchstwert {_euro(lot['maximum_value'])}{quota}")
        click.echo(deadlines)
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
        """Die Unterlagen eines Vergabeverfahrens erzeugen (neue Fassung) und in einen Ordner schreiben.

        All or nothing: the folder is checked before anything is generated, and the files are
        copied while the new version is not yet committed; if one cannot be written, none stays
        in the folder and no version is registered."""
        from pathlib import Path

        from einkauf.tenders.documents import generate_documents, staged_content

        config = obj.config
        target = Path(output)
        _check_target(target)
        with obj.session() as session:
            clashes = [name for name in _next_file_names(session, tender) if (target / name).exists()]
            if clashes:
                raise ValidationFailed(f"{target / clashes[0]} gibt es schon; es wurde nichts erzeugt und nichts "
                                       "überschrieben. Bitte einen anderen Ordner angeben.")
            created = generate_documents(session, "cli", tender, config["EXPORT_DIR"],
                                         cooperative_name=config["COOPERATIVE_NAME"],
                                         cooperative_address=config["COOPERATIVE_ADDRESS"])
            # Still under temporary names: they take their final names when the register rows
            # commit (issue 11); a failed copy rolls the registration back and removes them.
            files = [(d.file_name, staged_content(session, d), d.sha256) for d in created]
            _copy_all(target, [(name, content) for name, content, _sha in files])
        for name, content, sha in files:
            click.echo(f"{target / name}  ({format_number_de(len(content), 0)} Bytes, SHA-256 {sha})")


    # --- issue 11 (h6): the export folder against the document register ---------------------

    @main.group("exports")
    def exports_group() -> None:
        """Den Exportordner (EINKAUF_EXPORT_DIR) prüfen."""

    @exports_group.command("check")
    @click.option("--remove", is_flag=True,
                  help="Verwaiste und temporäre Dateien löschen (Dateien ohne Eintrag im Dokumentenregister).")
    @pass_ctx
    def exports_check(obj, remove: bool) -> None:
        """Dateien im Exportordner ohne Registereintrag und Registereinträge ohne Datei melden."""
        from einkauf.console import fail
        from einkauf.tenders.documents import check_exports

        export_dir = obj.config["EXPORT_DIR"]
        with obj.session() as session:
            result = check_exports(session, export_dir, remove=remove)
        for path in result.recovered:
            click.echo(f"Wiederhergestellt (Datei nach dem Speichern an ihren Platz gebracht): {path}")
        for path in result.orphans:
            click.echo(f"Verwaist (kein Eintrag im Dokumentenregister): {path}")
        for path in result.temporary:
            click.echo(f"Temporäre Datei einer abgebrochenen Erzeugung: {path}")
        for path in result.missing:
            click.echo(f"Fehlt (im Dokumentenregister, aber nicht im Exportordner): {path}")
        for path in result.removed:
            click.echo(f"Entfernt: {path}")
        if not result.clean:
            left = len(set(result.orphans + result.temporary) - set(result.removed))
            fail_reason = (f"Fehler: Der Exportordner {export_dir} stimmt nicht mit dem Dokumentenregister überein "
                           f"({format_number_de(left, 0)} Dateien ohne Eintrag, "
                           f"{format_number_de(len(result.missing), 0)} fehlende Dateien).")
            if left:
                fail_reason += " Mit --remove werden Dateien ohne Eintrag gelöscht."
            fail(fail_reason)
        click.echo(f"Exportordner {export_dir} stimmt mit dem Dokumentenregister überein.")


def _check_target(target) -> None:
    """The output folder must be a folder we can write to (or be creatable); checked before generating."""
    import os

    if target.exists() and not target.is_dir():
        raise ValidationFailed(f"{target} ist kein Ordner; es wurde nichts erzeugt.")
    existing = target
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValidationFailed(f"In {existing} darf nicht geschrieben werden; es wurde nichts erzeugt.")


def _next_file_names(session, tender_ref: str) -> list[str]:
    """The file names the next generation of the tender's documents will have (one new version
    per kind, named as einkauf.tenders.documents names them)."""
    from sqlalchemy import func, select

    from einkauf.tenders.documents import KINDS
    from einkauf.tenders.models import TENDER_DOCUMENT_KINDS, Document
    from einkauf.tenders.services import get_tender

    found = get_tender(session, tender_ref)
    versions = dict(session.execute(select(Document.kind, func.max(Document.version))
                                    .where(Document.tender_id == found.id, Document.recipient == "")
                                    .group_by(Document.kind)).all())
    return [f"{found.reference}_{KINDS[kind].label}_v{(versions.get(kind) or 0) + 1}.{KINDS[kind].suffix}"
            for kind in TENDER_DOCUMENT_KINDS]


def _copy_all(target, files: list[tuple[str, bytes]]) -> None:
    """Write every file into the folder or none: on the first failure the ones written are removed."""
    from einkauf.tenders.documents import write_atomically

    written = []
    try:
        for name, content in files:
            written.append(write_atomically(target, name, content))
    except FileExistsError as exc:
        _remove(written)
        raise ValidationFailed(f"{exc.filename2 or target} gibt es schon; es wurde nichts kopiert und keine neue "
                               "Fassung angelegt.") from None
    except OSError as exc:
        _remove(written)
        raise ValidationFailed(
            f"Die Unterlagen konnten nicht nach {target} geschrieben werden ({exc.strerror or exc}); "
            "es wurde nichts kopiert und keine neue Fassung angelegt."
        ) from None


def _remove(paths) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
