"""`einkauf cpv import`, `einkauf units import` and `einkauf catalogue seed` against a migrated SQLite file."""
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.catalogue.models import CpvCode, Unit
from einkauf.catalogue.seed import CURATED_CPV, CURATED_UNITS
from einkauf.cli import CliContext, main

from support import reference_file


def reference(name: str):
    return str(reference_file(name))


@pytest.fixture
def database(cli_database):
    return cli_database


@pytest.fixture
def run():
    """Invoke the `einkauf` command line; stdout and stderr are kept apart."""
    contexts = []

    def invoke(*args: str):
        context = CliContext()
        contexts.append(context)
        return CliRunner().invoke(main, list(args), obj=context)

    yield invoke
    for context in contexts:
        if context._factory is not None:
            context.factory.kw["bind"].dispose()


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_importing_the_official_cpv_list_loads_9454_codes_and_is_idempotent(database, run):
    path = reference("cpv-2008-de.csv")
    first = run("cpv", "import", path)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip() == "9454 CPV-Codes geladen (9454 neu, 0 aktualisiert)"
    assert count(database, CpvCode) == 9454

    second = run("cpv", "import", path)
    assert second.exit_code == 0, second.stderr
    assert second.stdout.strip() == "9454 CPV-Codes geladen (0 neu, 0 aktualisiert)"
    assert count(database, CpvCode) == 9454
    with database() as session:
        assert session.get(CpvCode, "39830000-9").label == "Reinigungsmittel"
        assert session.scalars(select(AuditEvent.action)).all() == ["cpv.import"]


def test_a_cpv_import_updates_labels_of_codes_already_loaded(database, run):
    assert run("catalogue", "seed").exit_code == 0
    with database() as session:
        session.get(CpvCode, "30192000-1").label = "veraltet"
        session.commit()
    result = run("cpv", "import", reference("cpv-2008-de.csv"))
    assert result.exit_code == 0, result.stderr
    added = 9454 - len(CURATED_CPV)
    assert result.stdout.strip().startswith(f"9454 CPV-Codes geladen ({added} neu, ")
    with database() as session:
        assert session.get(CpvCode, "30192000-1").label == "Bürobedarf"


def test_a_file_with_malformed_rows_reports_each_on_stderr_and_imports_nothing(database, run, tmp_path):
    bad = tmp_path / "cpv.csv"
    bad.write_text(
        'code,name\n'
        '"30192000-1","Bürobedarf"\n'
        '"3019200-1","Eine Ziffer zu wenig"\n'
        '"22600000-6","Tinte"\n'
        '"99999999","Ohne Prüfziffer"\n'
        '"30197630-1"\n',
        encoding="utf-8",
    )
    result = run("cpv", "import", str(bad))
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[:3] == [
        "Fehler: Zeile 3: „3019200-1“ ist kein CPV-Code im Format 12345678-9.",
        "Fehler: Zeile 5: „99999999“ ist kein CPV-Code im Format 12345678-9.",
        "Fehler: Zeile 6: 2 Spalten (code,name) erwartet, 1 gefunden.",
    ]
    assert lines[3] == "Nichts importiert: 3 fehlerhafte Zeilen."
    assert count(database, CpvCode) == 0
    assert count(database, AuditEvent) == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Zeile 1: Die Datei ist leer."),
    ("Code;Bezeichnung\n30192000-1;Bürobedarf\n".encode(), "Kopfzeile"),
    (b"code,name\n30192000-1,B\xfcrobedarf\n", "nicht UTF-8"),
])
def test_an_unreadable_file_fails_with_one_german_line(database, run, tmp_path, content, message):
    path = tmp_path / "cpv.csv"
    path.write_bytes(content)
    result = run("cpv", "import", str(path))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert count(database, CpvCode) == 0


def test_a_missing_file_is_a_usage_error(database, run, tmp_path):
    result = run("cpv", "import", str(tmp_path / "fehlt.csv"))
    assert result.exit_code == 2
    assert count(database, CpvCode) == 0


def test_seeding_the_catalogue_is_idempotent(database, run):
    first = run("catalogue", "seed")
    assert first.exit_code == 0, first.stderr
    assert f"{len(CURATED_CPV)} CPV-Codes und {len(CURATED_UNITS)} Mengeneinheiten neu" in first.stdout
    second = run("catalogue", "seed")
    assert "0 CPV-Codes und 0 Mengeneinheiten neu" in second.stdout
    assert count(database, Unit) == len(CURATED_UNITS)


def test_importing_rec20_units_keeps_the_curated_german_labels(database, run):
    assert run("catalogue", "seed").exit_code == 0
    result = run("units", "import", reference("unece-rec20-units.csv"))
    assert result.exit_code == 0, result.stderr
    assert "Mengeneinheiten geladen" in result.stdout
    with database() as session:
        assert session.get(Unit, "H87").label == "Stück"
        assert session.get(Unit, "MTR").label == "Meter"
        assert session.get(Unit, "GRN").label == "grain"
        assert session.get(Unit, "PK") is None  # deleted in Rec 20
    again = run("units", "import", reference("unece-rec20-units.csv"))
    assert "(0 neu, 0 aktualisiert" in again.stdout
