"""Logging by environment (issue 12, part 7): level and format from EINKAUF_LOG_LEVEL and
EINKAUF_LOG_FORMAT, the request id on every line, one access line per request, sign-in failures
without the password, JSON lines for log collectors; the same set-up for the command line."""
from __future__ import annotations

import io
import json
import logging

import pytest
from click.testing import CliRunner

from einkauf.app import create_app
from einkauf.config import ConfigError
from einkauf.logs import JsonFormatter, configure_logging


@pytest.fixture
def restore_logging():
    """Put einkauf's default handler back after a test that sent the log into a buffer."""
    yield
    configure_logging("INFO", "text")


def _our_handler() -> logging.Handler:
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "einkauf", False)]
    assert len(handlers) == 1
    return handlers[0]


def _capture(fmt: str = "text", level: str = "INFO") -> io.StringIO:
    buffer = io.StringIO()
    configure_logging(level, fmt, stream=buffer)
    return buffer


def test_every_request_writes_one_access_line_with_method_path_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/anmelden?next=/geheim")
        missing = client.get("/gibt-es-nicht")
    lines = [r for r in caplog.records if r.name == "einkauf.access"]
    assert len(lines) == 2
    first, second = lines
    assert (first.method, first.path, first.status) == ("GET", "/anmelden", 200)
    assert first.duration_ms >= 0
    assert first.getMessage().startswith("GET /anmelden 200 ") and first.getMessage().endswith(" ms")
    assert "geheim" not in first.getMessage()  # the query string (next=, search terms) stays out
    assert (second.path, second.status) == ("/gibt-es-nicht", 404) and missing.status_code == 404
    assert response.status_code == 200


def test_every_line_of_a_request_carries_its_request_id(app, make_user, restore_logging):
    make_user(email="anna@example.org")
    buffer = _capture()
    response = app.test_client().post("/anmelden", data={"email": "anna@example.org", "password": "falsch-123456"})
    request_id = response.headers["X-Request-ID"]
    lines = buffer.getvalue().splitlines()
    assert len(lines) >= 2  # the refused sign-in and the access line
    assert all(f"[{request_id}]" in line for line in lines), lines


def test_a_refused_sign_in_is_logged_without_the_password(app, make_user, restore_logging, caplog):
    make_user(email="bert@example.org")
    buffer = _capture()
    with caplog.at_level(logging.INFO):
        response = app.test_client().post("/anmelden", data={"email": "bert@example.org",
                                                              "password": "Geheim-Versuch-4711"})
    assert response.status_code == 200
    refused = [r for r in caplog.records if r.name == "einkauf.auth.views"]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert "bert@example.org" in refused[0].getMessage()
    assert "Geheim-Versuch-4711" not in buffer.getvalue()
    assert all("Geheim-Versuch-4711" not in r.getMessage() for r in caplog.records)


def test_json_lines_carry_time_level_logger_message_and_request_id(app, make_user, restore_logging):
    make_user(email="cora@example.org")
    buffer = _capture("json")
    response = app.test_client().post("/anmelden", data={"email": "cora@example.org", "password": "falsch-123456"})
    entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert entries, "nothing logged"
    for entry in entries:
        assert {"time", "level", "logger", "message", "request_id"} <= entry.keys()
        assert entry["request_id"] == response.headers["X-Request-ID"]
    access, = [e for e in entries if e["logger"] == "einkauf.access"]
    assert (access["method"], access["path"], access["status"]) == ("POST", "/anmelden", 200)
    assert access["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_json_line(restore_logging):
    buffer = _capture("json")
    try:
        raise RuntimeError("kaputt\nzweite Zeile")
    except RuntimeError:
        logging.getLogger("einkauf.test").exception("unexpected")
    line, = buffer.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "unexpected" and "RuntimeError: kaputt" in entry["exception"]
    assert entry["request_id"] == "-"  # outside a request


def test_the_environment_chooses_level_and_format(app_config, monkeypatch, restore_logging):
    monkeypatch.setenv("EINKAUF_LOG_LEVEL", "warning")
    monkeypatch.setenv("EINKAUF_LOG_FORMAT", "json")
    create_app(app_config)
    handler = _our_handler()
    assert isinstance(handler.formatter, JsonFormatter)
    assert handler.level == logging.WARNING and logging.getLogger("einkauf").level == logging.WARNING


def test_info_and_text_are_the_defaults(app_config, monkeypatch):
    monkeypatch.delenv("EINKAUF_LOG_LEVEL", raising=False)
    monkeypatch.delenv("EINKAUF_LOG_FORMAT", raising=False)
    create_app(app_config)
    handler = _our_handler()
    assert not isinstance(handler.formatter, JsonFormatter)
    assert handler.level == logging.INFO and logging.getLogger("einkauf").level == logging.INFO


@pytest.mark.parametrize("variable, value", [("EINKAUF_LOG_LEVEL", "LAUT"), ("EINKAUF_LOG_FORMAT", "xml")])
def test_an_unknown_level_or_format_is_refused_with_a_german_reason(app_config, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app(app_config)


def test_the_command_line_configures_logging_from_the_environment(cli_database, monkeypatch, restore_logging):
    from einkauf.cli import main

    monkeypatch.setenv("EINKAUF_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("EINKAUF_LOG_FORMAT", "json")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert isinstance(_our_handler().formatter, JsonFormatter)
    assert logging.getLogger("einkauf").level == logging.DEBUG


def test_the_command_line_refuses_an_unknown_level_in_one_line(cli_database, monkeypatch, restore_logging):
    from einkauf.cli import main

    monkeypatch.setenv("EINKAUF_LOG_LEVEL", "LAUT")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "Fehler: EINKAUF_LOG_LEVEL muss einer von DEBUG, INFO, WARNING, ERROR, CRITICAL sein, nicht „LAUT“."]
