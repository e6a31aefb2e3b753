"""Quiet logs (issue 11, item 7): an expected refusal is one INFO line without a traceback; an
unexpected error is one traceback, with the request id that the error page and the
X-Request-ID header show."""
from __future__ import annotations

import logging
import re

from einkauf.app import create_app
from einkauf.errors import InvalidState, NotFound


def _app_with(app_config, view, **extra):
    app = create_app({**app_config, "TESTING": False, **extra})
    app.add_url_rule("/probe", "probe", view)
    return app


def _tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info]


def test_an_unexpected_error_is_logged_once_with_its_traceback_and_request_id(app_config, caplog):
    def broken():
        raise RuntimeError("kaputt")

    app = _app_with(app_config, broken)
    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/probe")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert request_id in response.get_data(as_text=True)  # the user can quote it
    logged = _tracebacks(caplog)
    assert len(logged) == 1
    assert logged[0].levelno == logging.ERROR and request_id in logged[0].getMessage()
    assert logged[0].exc_info[0] is RuntimeError


def test_every_response_has_its_own_request_id(client):
    first, second = client.get("/anmelden"), client.get("/anmelden")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_an_uncaught_domain_error_is_one_info_line_and_a_clear_page(app_config, caplog):
    def refused():
        raise InvalidState("Die Bedarfsabfrage ist geschlossen.")

    app = _app_with(app_config, refused)
    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/probe")
    assert response.status_code == 409
    assert "Die Bedarfsabfrage ist geschlossen." in response.get_data(as_text=True)
    assert _tracebacks(caplog) == []
    lines = [r for r in caplog.records if r.name == "einkauf.web"]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert response.headers["X-Request-ID"] in lines[0].getMessage()


def test_a_not_found_domain_error_is_a_404_without_its_message(app_config, caplog):
    def missing():
        raise NotFound("Zugang 17 von Mitglied Hagen nicht gefunden.")

    response = _app_with(app_config, missing).test_client().get("/probe")
    assert response.status_code == 404
    assert "Hagen" not in response.get_data(as_text=True)
    assert _tracebacks(caplog) == []


def test_a_refused_oversized_form_is_one_info_line(client, as_role, caplog):
    as_role("coordinator")
    with caplog.at_level(logging.INFO):
        response = client.post("/warengruppen/neu", data="&".join(f"f{n}=1" for n in range(5000)),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert _tracebacks(caplog) == []
    assert [r.levelno for r in caplog.records if r.name == "einkauf.web"] == [logging.INFO]
