"""Issue 11: a constraint conflict is never a 500, and the export folder matches the register.

Conflicts: whether the database refuses a row inside a view or at the commit at the end of the
request, the user gets a German 409 page and nothing is saved. Export folder: a generated file
appears under its final name only when its register row commits; `einkauf exports check`
reports (and with --remove deletes) what a killed generation left behind.
"""
from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from einkauf.berlin import BERLIN
from einkauf.catalogue.models import Unit
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.errors import StaleVersion
from einkauf.lots.services import build_lots
from einkauf.tenders import documents as documents_module
from einkauf.tenders.documents import (
    check_exports,
    generate_documents,
    register_documents,
    render_documents,
    sweep_exports_at_start,
    update_tender_texts,
)
from einkauf.tenders.models import Document
from einkauf.tenders.services import freeze_tender

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# --- conflicts and errors of the database --------------------------------------------------------

@pytest.fixture
def conflict_app(app, db):
    """The app with two test routes that insert a unit code twice: flushed in the view, or left
    to the commit at the end of the request."""
    from einkauf.web import get_db

    @app.post("/test/doppelt-im-view")
    def duplicate_in_view():
        session = get_db()
        session.add(Unit(code="ZZ1", label="eins"))
        session.flush()
        session.add(Unit(code="ZZ1", label="zwei"))
        session.flush()
        return "gespeichert"

    @app.post("/test/doppelt-beim-commit")
    def duplicate_at_commit():
        session = get_db()
        session.add(Unit(code="ZZ2", label="eins"))
        session.flush()
        session.expunge_all()
        session.add(Unit(code="ZZ2", label="zwei"))  # flushed only by the commit after the view
        return "gespeichert"

    @app.post("/test/kaputt")
    def broken_sql():
        raise OperationalError("SELECT kaputt", {}, Exception("no such table: kaputt"))

    return app


@pytest.mark.parametrize("path", ["/test/doppelt-im-view", "/test/doppelt-beim-commit"])
def test_a_unique_violation_is_a_german_409_page_and_saves_nothing(conflict_app, db, path):
    response = conflict_app.test_client().post(path)

    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "gleichzeitig ein anderer Vorgang denselben Datensatz" in body and "Traceback" not in body
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.code.in_(["ZZ1", "ZZ2"]))) == 0


def test_any_other_database_error_stays_a_500_without_details(conflict_app):
    response = conflict_app.test_client().post("/test/kaputt")
    assert response.status_code == 500
    assert "no such table" not in response.get_data(as_text=True)


# --- documents: register first, final names after the commit -------------------------------------

@pytest.fixture
def frozen(db, make_round, make_member, make_category, make_product):
    rnd = make_round(closed=True)
    product = make_product(make_category(), price="4.99")
    member = make_member(sites=1)
    submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("10"),
                      delivery_site_id=member.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    return freeze_tender(db, "k", rnd.id, publication_date=date(2027, 2, 1),
                         submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN), now=NOW)


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_before_the_commit_only_temporary_files_exist_and_a_rollback_removes_them(db, frozen, tmp_path):
    generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK")
    folder = tmp_path / frozen.reference
    pending = names(folder)
    assert len(pending) == 3 and all(name.startswith(".") and name.endswith(".tmp") for name in pending)

    db.rollback()

    assert names(folder) == []
    assert db.scalar(select(func.count()).select_from(Document)) == 0


def test_after_the_commit_the_files_have_their_final_names(db, frozen, tmp_path):
    created = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK")
    db.commit()
    assert names(tmp_path / frozen.reference) == sorted(d.file_name for d in created)
    assert check_exports(db, tmp_path).clean


def test_a_request_key_that_already_made_documents_returns_them(db, frozen, tmp_path):
    first = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK", request_key="a" * 32)
    db.commit()
    again = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK", request_key="a" * 32)
    db.commit()
    other = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK", request_key="b" * 32)
    db.commit()
    assert {d.id for d in again} == {d.id for d in first}
    assert {d.version for d in other} == {2}
    assert len(names(tmp_path / frozen.reference)) == 6


def test_documents_rendered_before_a_text_change_are_not_registered(db, frozen, tmp_path):
    rendered = render_documents(db, frozen.id, cooperative_name="EK")
    update_tender_texts(db, "k", frozen.id, invitation_text="Neu", conditions_text="",
                        expected_version=frozen.version)
    with pytest.raises(StaleVersion, match="während des Erzeugens geändert"):
        register_documents(db, "k", rendered, tmp_path)
    assert names(tmp_path / frozen.reference) == []


def test_the_check_reports_orphans_temporaries_and_missing_files_and_removes_on_request(db, frozen, tmp_path):
    created = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK")
    db.commit()
    folder = tmp_path / frozen.reference
    (folder / created[0].file_name).unlink()  # registered, but gone
    (folder / f"{frozen.reference}_Vergabevermerk_v9.pdf").write_bytes(b"%PDF- von einer abgebrochenen Erzeugung")
    (folder / f".{frozen.reference}_Preisblatt_v9.xlsx.abc123xy.tmp").write_bytes(b"halb geschrieben")

    report = check_exports(db, tmp_path)

    assert report.orphans == [f"{frozen.reference}/{frozen.reference}_Vergabevermerk_v9.pdf"]
    assert report.temporary == [f"{frozen.reference}/.{frozen.reference}_Preisblatt_v9.xlsx.abc123xy.tmp"]
    assert report.missing == [created[0].path]
    assert not report.clean and report.removed == []
    assert len(names(folder)) == 4  # a report changes nothing

    removed = check_exports(db, tmp_path, remove=True)

    assert sorted(removed.removed) == sorted(report.orphans + report.temporary)
    assert names(folder) == sorted(d.file_name for d in created[1:])


def test_a_file_committed_but_not_yet_renamed_is_moved_into_place(db, frozen, tmp_path, monkeypatch):
    """The process died between the commit and the rename: the row is there, the file is not."""
    real_link = os.link

    def dying_link(source, target):
        if str(source).endswith(".tmp"):
            raise OSError("killed")
        real_link(source, target)

    monkeypatch.setattr(documents_module.os, "link", dying_link)
    created = generate_documents(db, "k", frozen.id, tmp_path, cooperative_name="EK")
    db.commit()
    monkeypatch.setattr(documents_module.os, "link", real_link)
    assert all(name.endswith(".tmp") for name in names(tmp_path / frozen.reference))

    report = check_exports(db, tmp_path)

    assert sorted(report.recovered) == sorted(d.path for d in created)
    assert names(tmp_path / frozen.reference) == sorted(d.file_name for d in created)
    assert report.clean


def test_the_start_up_sweep_removes_only_old_temporary_files_and_keeps_orphans(db, frozen, tmp_path,
                                                                               session_factory):
    folder = tmp_path / frozen.reference
    folder.mkdir()
    old = folder / ".alt.pdf.abcdef12.tmp"
    young = folder / ".jung.pdf.abcdef34.tmp"
    orphan = folder / f"{frozen.reference}_Vergabevermerk_v7.pdf"
    for path in (old, young, orphan):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    report = sweep_exports_at_start(session_factory, tmp_path)

    assert report.removed == [f"{frozen.reference}/{old.name}"]
    assert names(folder) == sorted([young.name, orphan.name])


def test_einkauf_exports_check_reports_and_removes_with_remove(cli_database, tmp_path, monkeypatch):
    export_dir = tmp_path / "exports"
    (export_dir / "EK-2027-01").mkdir(parents=True)
    (export_dir / "EK-2027-01" / "EK-2027-01_Vergabevermerk_v1.pdf").write_bytes(b"%PDF-")
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(export_dir))
    from einkauf.cli import main

    report = CliRunner().invoke(main, ["exports", "check"])
    assert report.exit_code == 1
    assert "Verwaist (kein Eintrag im Dokumentenregister): EK-2027-01/EK-2027-01_Vergabevermerk_v1.pdf" in report.stdout
    assert "Mit --remove" in report.stderr and len(report.stderr.strip().splitlines()) == 1

    removed = CliRunner().invoke(main, ["exports", "check", "--remove"])
    assert removed.exit_code == 0, removed.output
    assert "Entfernt: EK-2027-01/EK-2027-01_Vergabevermerk_v1.pdf" in removed.stdout
    assert names(export_dir / "EK-2027-01") == []

    clean = CliRunner().invoke(main, ["exports", "check"])
    assert clean.exit_code == 0 and "stimmt mit dem Dokumentenregister überein" in clean.stdout
