"""The finance export pages: downloads for finance, coordinators and officers, and tenant isolation
on every export route (R8): a user bound to a member never receives another member's rows."""
from __future__ import annotations

import csv
import io
from datetime import UTC
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from finance_support import build_finance_world


@pytest.fixture
def world(db, make_round, make_member, make_category, make_product):
    return build_finance_world(db, make_round, make_member, make_category, make_product)


def csv_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data()[3:].decode("utf-8"), newline=""), delimiter=";"))


def xlsx_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = CalamineWorkbook.from_filelike(io.BytesIO(response.get_data())).get_sheet_by_name(
        "Kostenaufteilung").to_python()
    return [dict(zip(header, row, strict=False)) for row in rows]


def url(world, fmt, **query):
    suffix = "".join(f"{'?' if i == 0 else '&'}{k}={v}" for i, (k, v) in enumerate(query.items()))
    return f"/finanzen/runden/{world['round'].id}/export.{fmt}{suffix}"


def test_finance_downloads_every_members_rows_in_both_formats(client, as_role, world):
    as_role("finance")
    response = client.get(url(world, "xlsx"))
    assert response.headers["Content-Disposition"] == "attachment; filename=Kostenaufteilung_2027.xlsx"
    rows = xlsx_rows(response)
    assert len(rows) == 10
    assert {r["AGS"] for r in rows} == {world["members"]["a"].ags, world["members"]["b"].ags}
    response = client.get(url(world, "csv"))
    assert response.headers["Content-Disposition"] == "attachment; filename=Kostenaufteilung_2027.csv"
    assert len(csv_rows(response)) == 10


def test_coordinators_download_every_members_rows(client, as_role, world):
    as_role("coordinator")
    assert len(csv_rows(client.get(url(world, "csv")))) == 10


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_finance_bound_to_a_member_gets_only_that_members_rows(client, as_role, world, fmt):
    own, other = world["members"]["a"], world["members"]["b"]
    as_role("finance", member=own)
    response = client.get(url(world, fmt))
    assert response.headers["Content-Disposition"] == f"attachment; filename=Kostenaufteilung_2027_{own.ags}.{fmt}"
    data = response.get_data()
    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    assert rows and {r["AGS"] for r in rows} == {own.ags}
    assert len(rows) == 6
    if fmt == "csv":
        assert other.ags.encode() not in data and other.name.encode() not in data


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_officer_gets_only_the_own_members_rows(client, as_role, world, fmt):
    own, other = world["members"]["b"], world["members"]["a"]
    as_role("officer", member=own)
    response = client.get(url(world, fmt))
    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    assert {r["AGS"] for r in rows} == {own.ags} and len(rows) == 4
    assert other.name.encode() not in response.get_data()


def test_the_member_cannot_be_chosen_through_the_request(client, as_role, world):
    own, other = world["members"]["b"], world["members"]["a"]
    as_role("officer", member=own)
    for query in ({"member_id": other.id}, {"mitglied": other.ags}, {"ags": other.ags}):
        rows = csv_rows(client.get(url(world, "csv", **query)))
        assert {r["AGS"] for r in rows} == {own.ags}


def test_an_officer_without_demand_gets_an_empty_export_not_someone_elses(client, as_role, world):
    as_role("officer", member=world["members"]["draft"])
    assert csv_rows(client.get(url(world, "csv"))) == []


@pytest.mark.parametrize("role", ["finance", "coordinator", "officer"])
def test_rounds_without_a_plan_and_unknown_ids_are_not_found(client, as_role, world, make_round, role):
    as_role(role)
    for round_id in (make_round(opened=True).id, make_round(closed=True).id, 999999):
        for fmt in ("xlsx", "csv"):
            assert client.get(f"/finanzen/runden/{round_id}/export.{fmt}").status_code == 404
    assert client.get(f"/finanzen/runden/{world['round'].id}/export.pdf").status_code == 404


def test_administrators_get_no_exports(client, as_role, world):
    as_role("admin")
    assert client.get(url(world, "csv")).status_code == 403
    assert client.get("/finanzen").status_code == 403


def test_unknown_profiles_and_path_tricks_are_not_found(client, as_role, world):
    as_role("finance")
    for name in ("gibtsnicht", "../secret_key", "..%2Fsecret_key", "%2Fetc%2Fpasswd", "Standard"):
        assert client.get(url(world, "csv", profil=name)).status_code == 404, name


def test_a_profile_file_in_the_instance_folder_selects_renames_and_orders_columns(app, client, as_role, world):
    folder = Path(app.instance_path) / "export_profiles"
    folder.mkdir(parents=True)
    (folder / "sap.toml").write_text('title = "SAP FI"\n[format]\ndecimal_separator = "."\n[csv]\ndelimiter = ","\n'
                                     '[[columns]]\ncolumn = "AGS"\nheader = "BUKRS"\n'
                                     '[[columns]]\ncolumn = "Gesamt netto"\nheader = "BETRAG"\n', encoding="utf-8")
    as_role("finance", member=world["members"]["b"])
    html = client.get("/finanzen").get_data(as_text=True)
    assert "SAP FI" in html
    response = client.get(url(world, "csv", profil="sap"))
    text = response.get_data()[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "BUKRS,BETRAG"
    assert lines[1].startswith(world["members"]["b"].ags + ",") and lines[1].count(".") == 1


def test_the_page_lists_closed_rounds_with_a_plan_and_tells_bound_users_their_scope(client, as_role, world,
                                                                                  make_round):
    make_round(code="OFFEN", opened=True)
    as_role("officer", member=world["members"]["a"])
    html = client.get("/finanzen").get_data(as_text=True)
    assert f"/finanzen/runden/{world['round'].id}/export.xlsx" in html
    assert f"/finanzen/runden/{world['round'].id}/export.csv" in html
    assert "OFFEN" not in html
    assert "Sie erhalten nur die Anteile von Stadt Ahaus" in html
    assert ">Finanzexporte<" in html  # in the navigation


@pytest.fixture
def frozen(db, world):
    from datetime import date, datetime

    from einkauf.berlin import BERLIN
    from einkauf.tenders.services import freeze_tender

    return freeze_tender(db, "k", world["round"].id, publication_date=date(2027, 2, 1),
                         submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN),
                         now=datetime(2026, 12, 1, tzinfo=UTC))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_tenders_export_carries_its_vergabenummer_and_stays_within_the_member(client, as_role, world, frozen, fmt):
    as_role("finance")
    response = client.get(f"/finanzen/vergaben/{frozen.id}/export.{fmt}")
    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    assert len(rows) == 10 and {r["Vergabenummer"] for r in rows} == {frozen.reference}
    assert frozen.reference in response.headers["Content-Disposition"]

    own = world["members"]["b"]
    as_role("finance", member=own)
    rows = csv_rows(client.get(f"/finanzen/vergaben/{frozen.id}/export.csv"))
    assert {r["AGS"] for r in rows} == {own.ags} and len(rows) == 4
    assert frozen.reference in client.get("/finanzen").get_data(as_text=True)
    assert client.get(f"/finanzen/vergaben/{frozen.id + 99}/export.csv").status_code == 404
