"""The officer's Excel pages: template download and upload (R8, R9, R13).

Statuses: own officer 200 (download, form), 302 after a successful upload, 400 without a
file, 413 for an oversized file, 422 for a refused file (with every problem listed), 409
after the deadline or when the demand is already submitted; other roles 403; anonymous
visitors are sent to sign in; a draft or unknown round is 404.
"""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.models import DemandLine, Submission
from einkauf.demand.services import LineInput, replace_draft_lines, submit_demand

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db, make_member, make_category, make_product, make_round, make_user):
    dortmund = make_member(ags="05913000", name="Dortmund", sites=1)
    hagen = make_member(ags="05914000", name="Hagen", sites=1)
    category = make_category(name="Büromaterial")
    products = [make_product(category=category, number=f"BM-{i:04d}", price="2.00") for i in range(1, 4)]
    rnd = make_round(code="2027", opened=True)
    officer = make_user("officer", member=dortmund)
    replace_draft_lines(db, officer, rnd, dortmund.id,
                        [LineInput(products[0].id, dortmund.delivery_sites[0].id, Decimal("5"))], source="Test")
    db.flush()
    return {"db": db, "dortmund": dortmund, "hagen": hagen, "round": rnd, "officer": officer, "products": products}


def paths(round_id: int) -> tuple[str, str]:
    return f"/bedarf/{round_id}/vorlage.xlsx", f"/bedarf/{round_id}/hochladen"


def download(client, round_id: int) -> bytes:
    response = client.get(paths(round_id)[0])
    assert response.status_code == 200
    return response.data


def fill(data: bytes, values: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for ref, value in values.items():
        wb["Bedarf"][ref].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def multipart(fields: dict[str, str], data: bytes, filename: str) -> tuple[bytes, str]:
    """The request body built by hand: werkzeug's test builder spools large bodies to a temporary
    file it never closes (a ResourceWarning, an error under -W error)."""
    boundary = "einkauf-test-boundary-7d3f"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {XLSX}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(client, round_id: int, data: bytes, filename: str = "bedarf.xlsx", **fields):
    body, content_type = multipart(fields, data, filename)
    return client.post(paths(round_id)[1], data=body, content_type=content_type)


def lines(db, member) -> list[tuple[str, Decimal]]:
    return [(line.product.number, line.quantity) for line in db.scalars(
        select(DemandLine).join(Submission).where(Submission.member_id == member.id).order_by(DemandLine.id))]


def round_page(app, rnd) -> str:
    with app.test_request_context():
        if "demand.submission" in app.view_functions:
            return url_for("demand.submission", round_id=rnd.id)
        return url_for("home.index")


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_other_roles_may_neither_download_nor_upload(client, world, as_role, role):
    as_role(role)
    template, upload_page = paths(world["round"].id)
    assert client.get(template).status_code == 403
    assert client.get(upload_page).status_code == 403
    assert upload(client, world["round"].id, b"x").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for path in paths(world["round"].id):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden?next=")
    assert upload(client, world["round"].id, b"x").status_code == 302


def test_a_draft_or_unknown_round_is_not_found(client, world, sign_in, make_round):
    sign_in(world["officer"])
    for round_id in (make_round().id, 999999):
        template, upload_page = paths(round_id)
        assert client.get(template).status_code == 404
        assert client.get(upload_page).status_code == 404
        assert upload(client, round_id, b"x").status_code == 404


# --- download ------------------------------------------------------------------------------------

def test_the_officer_downloads_the_template_of_their_own_member(client, world, sign_in):
    sign_in(world["officer"])
    response = client.get(paths(world["round"].id)[0])
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == "attachment; filename=Bedarf_2027_05913000.xlsx"
    assert response.headers["Cache-Control"] == "no-store" or "no-cache" in response.headers["Cache-Control"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb["Info"]["B4"].value == "05913000"
    assert (wb["Bedarf"]["B2"].value, wb["Bedarf"]["F2"].value) == ("BM-0001", 5)


def test_an_officer_of_another_member_gets_their_own_template(client, world, make_user, sign_in):
    sign_in(make_user("officer", member=world["hagen"]))
    wb = load_workbook(io.BytesIO(download(client, world["round"].id)))
    assert (wb["Info"]["B4"].value, wb["Info"]["B5"].value) == ("05914000", "Hagen")
    assert wb["Bedarf"]["F2"].value is None  # Dortmund's line is not in it


# --- upload --------------------------------------------------------------------------------------

def test_the_upload_page_explains_in_german_and_offers_the_template(client, world, sign_in):
    sign_in(world["officer"])
    html = client.get(paths(world["round"].id)[1]).get_data(as_text=True)
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "Ausgefüllte Excel-Vorlage (.xlsx)" in html
    assert "ersetzt alle bisherigen Positionen" in html
    assert f'href="/bedarf/{world["round"].id}/vorlage.xlsx"' in html


def test_a_filled_template_is_imported_and_the_officer_is_sent_to_the_round(app, client, world, sign_in):
    sign_in(world["officer"])
    data = fill(download(client, world["round"].id), {"F3": "2,5", "F4": 10})
    response = upload(client, world["round"].id, data, filename="../../etc/passwd")
    assert response.status_code == 302
    assert response.headers["Location"] == round_page(app, world["round"])
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000")), ("BM-0002", Decimal("2.500")),
                                                     ("BM-0003", Decimal("10.000"))]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Die Excel-Datei wurde übernommen: 3 Positionen" in follow
    event = world["db"].scalar(select(AuditEvent).where(AuditEvent.action == "submission.import")
                               .order_by(AuditEvent.id.desc()))
    assert event.actor_id == world["officer"].id and len(event.after["sha256"]) == 64


def test_a_refused_file_lists_every_error_with_sheet_row_and_column(client, world, sign_in):
    sign_in(world["officer"])
    data = fill(download(client, world["round"].id), {"F3": "viel", "F4": "=1+1", "G4": "Bahnhof"})
    response = upload(client, world["round"].id, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Die Datei wurde nicht übernommen: 2 Fehler gefunden. Es wurde nichts geändert." in html
    rows = re.findall(r"<tr class=\"kern-table__row\">\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*"
                      r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", html)
    assert [(s, r, c) for s, r, c, _m in rows] == [("Bedarf", "3", "F (Menge)"), ("Bedarf", "4", "F (Menge)")]
    assert "Formeln sind nicht erlaubt" in rows[1][3]
    assert 'type="file"' in html  # the form is there again
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]


@pytest.mark.parametrize(("name", "data"), [
    ("zero bytes", b""),
    ("plain text", b"Artikel;Menge\n"),
    ("zip of nothing", b"PK\x05\x06" + bytes(18)),
    ("first half of a valid file", None),
])
def test_broken_files_get_a_422_page_never_a_500(client, world, sign_in, name, data):
    sign_in(world["officer"])
    if data is None:
        valid = download(client, world["round"].id)
        data = valid[: len(valid) // 2]
    response = upload(client, world["round"].id, data)
    assert response.status_code == 422, name
    assert "Es wurde nichts geändert" in response.get_data(as_text=True)
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]


def test_an_oversized_file_is_refused_with_413(client, world, sign_in):
    sign_in(world["officer"])
    response = upload(client, world["round"].id, b"PK\x03\x04" + bytes(5 * 1024 * 1024))
    assert response.status_code == 413
    assert "Die Datei ist 5,0 MB groß; erlaubt sind höchstens 5 MB." in response.get_data(as_text=True)


def test_the_413_message_states_the_real_size_of_a_ten_megabyte_file(client, world, sign_in, caplog):
    sign_in(world["officer"])
    with caplog.at_level("INFO"):
        response = upload(client, world["round"].id, b"PK\x03\x04" + bytes(10 * 1024 * 1024 - 4))
    assert response.status_code == 413
    assert "Die Datei ist 10,0 MB groß; erlaubt sind höchstens 5 MB." in response.get_data(as_text=True)
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]
    # a refused upload is an expected outcome: log lines at INFO, no traceback
    assert [r for r in caplog.records if r.exc_info or r.levelno > 20] == []


def test_a_broken_workbook_is_logged_in_one_line_without_a_traceback(client, world, sign_in, caplog):
    import zipfile

    sign_in(world["officer"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # passes the raw checks, but is no workbook
        archive.writestr("[Content_Types].xml", '<Types><Override ContentType="application/vnd.openxmlformats-'
                                                'officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        archive.writestr("_rels/.rels", "<Relationships/>")
    with caplog.at_level("INFO", logger="einkauf"):
        response = upload(client, world["round"].id, buffer.getvalue())
    assert response.status_code == 422
    refused = [r for r in caplog.records if r.name.startswith("einkauf.demand")]
    assert len(refused) == 1 and "demand import refused" in refused[0].getMessage()
    assert "\n" not in refused[0].getMessage()
    assert [r for r in caplog.records if r.exc_info or r.levelno > 20] == []


def test_posting_without_a_file_asks_for_one(client, world, sign_in):
    sign_in(world["officer"])
    response = client.post(paths(world["round"].id)[1], data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Bitte wählen Sie die ausgefüllte Excel-Datei aus." in response.get_data(as_text=True)


def test_an_officer_cannot_upload_for_another_member(client, world, make_user, sign_in):
    """The member is the session's: a Dortmund file, and a form field naming Dortmund, change nothing."""
    sign_in(world["officer"])
    dortmund_file = fill(download(client, world["round"].id), {"F3": 99})
    sign_in(make_user("officer", member=world["hagen"]))
    response = upload(client, world["round"].id, dortmund_file, member_id=str(world["dortmund"].id),
                      ags="05913000")
    assert response.status_code == 422
    assert "Die Datei gehört zu einem anderen Mitglied (AGS 05913000)" in response.get_data(as_text=True)
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]
    assert lines(world["db"], world["hagen"]) == []


def test_after_the_deadline_the_page_is_read_only_and_an_upload_is_refused(client, world, sign_in, db):
    world["round"].deadline = datetime.now(UTC) - timedelta(minutes=1)
    db.flush()
    sign_in(world["officer"])
    data = download(client, world["round"].id)  # the download still works
    page = client.get(paths(world["round"].id)[1])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Abgabefrist ist abgelaufen" in html and 'type="file"' not in html
    response = upload(client, world["round"].id, fill(data, {"F3": 1}))
    assert response.status_code == 409
    assert "Abgabefrist ist abgelaufen" in response.get_data(as_text=True)
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]


def test_a_submitted_demand_is_not_overwritten(client, world, sign_in, db):
    sign_in(world["officer"])
    data = fill(download(client, world["round"].id), {"F3": 1})
    submit_demand(db, world["officer"], world["round"], world["dortmund"].id, expected_version=None)
    response = upload(client, world["round"].id, data)
    assert response.status_code == 409
    assert "bereits abgegeben" in response.get_data(as_text=True)
    assert lines(world["db"], world["dortmund"]) == [("BM-0001", Decimal("5.000"))]


def test_without_a_csrf_token_nothing_is_imported(app_config, world, db):
    from einkauf.app import create_app

    from support import csrf_token_from

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    token = csrf_token_from(client.get("/anmelden").get_data(as_text=True))
    assert client.post("/anmelden", data={"email": world["officer"].email, "password": "richtig-geheim-1",
                                          "csrf_token": token}).status_code == 302
    data = fill(download(client, world["round"].id), {"F3": 7})
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    assert upload(client, world["round"].id, data).status_code == 400
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
    page = client.get(paths(world["round"].id)[1]).get_data(as_text=True)
    response = upload(client, world["round"].id, data, csrf_token=csrf_token_from(page))
    assert response.status_code == 302
    assert ("BM-0002", Decimal("7.000")) in lines(db, world["dortmund"])
