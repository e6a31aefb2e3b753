"""Catalogue commands: `einkauf cpv import`, `einkauf units import`, `einkauf catalogue seed`."""
from __future__ import annotations

import sys

import click

from einkauf.catalogue.codes import ListFileError, RowError

MAX_FILE_BYTES = 20 * 1024 * 1024  # the CPV list is about 1 MB


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        _fail(f"Fehler: Die Datei ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    return data


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _refuse(errors: list[RowError]) -> None:
    """One line per bad row on stderr, then exit non-zero; nothing has been imported."""
    for error in errors:
        click.echo(f"Fehler: {error}", err=True)
    _fail(f"Nichts importiert: {len(errors)} fehlerhafte Zeile{'n' if len(errors) != 1 else ''}.")


def register(main: click.Group, pass_ctx) -> None:
    @main.group("cpv")
    def cpv() -> None:
        """CPV-Verzeichnis (Common Procurement Vocabulary) verwalten."""

    @cpv.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @pass_ctx
    def cpv_import(obj, file: str) -> None:
        """Das amtliche CPV-Verzeichnis aus einer CSV-Datei (code,name; UTF-8) laden.

        Vorhandene Codes erhalten die Bezeichnung aus der Datei, neue werden ergänzt. Enthält
        eine Zeile einen Fehler, wird nichts importiert.
        """
        from einkauf.catalogue.codes import read_cpv_csv
        from einkauf.catalogue.services import import_cpv_codes

        try:
            rows, errors = read_cpv_csv(_read(file))
        except ListFileError as exc:
            _fail(f"Fehler: {exc}")
        if errors:
            _refuse(errors)
        with obj.session() as session:
            added, updated = import_cpv_codes(session, rows, actor="cli")
        click.echo(f"{len(rows)} CPV-Codes geladen ({added} neu, {updated} aktualisiert)")

    @main.group("units")
    def units() -> None:
        """Mengeneinheiten (UN/ECE Recommendation 20) verwalten."""

    @units.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @pass_ctx
    def units_import(obj, file: str) -> None:
        """Mengeneinheiten aus der UN/ECE-Rec-20-Liste (CSV) laden.

        Nur gültige Codes; veraltete (D) und gelöschte (X) werden übersprungen. Die Codes der
        mitgelieferten deutschen Liste behalten ihre deutsche Bezeichnung.
        """
        from einkauf.catalogue.codes import read_rec20_csv
        from einkauf.catalogue.services import import_units

        try:
            rows, errors, skipped = read_rec20_csv(_read(file))
        except ListFileError as exc:
            _fail(f"Fehler: {exc}")
        if errors:
            _refuse(errors)
        with obj.session() as session:
            added, updated = import_units(session, rows, actor="cli")
        click.echo(f"{len(rows)} Mengeneinheiten geladen ({added} neu, {updated} aktualisiert, "
                   f"{skipped} veraltete oder gelöschte übersprungen)")

    @main.group("catalogue")
    def catalogue() -> None:
        """Katalog-Grunddaten verwalten."""

    @catalogue.command("seed")
    @pass_ctx
    def catalogue_seed(obj) -> None:
        """Die mitgelieferten CPV-Codes und Mengeneinheiten laden (fehlende ergänzen)."""
        from einkauf.catalogue.services import seed_catalogue

        with obj.session() as session:
            cpv_added, units_added = seed_catalogue(session, actor="cli")
        click.echo(f"Grunddaten geladen: {cpv_added} CPV-Codes und {units_added} Mengeneinheiten neu.")
