"""`einkauf user add` against a migrated SQLite file: exit 0 on success, otherwise a non-zero
code and one German line on stderr."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.auth.models import User
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.roles import Role
from einkauf.rounds.models import Member


@pytest.fixture
def database(cli_database):
    with session_scope(cli_database) as session:
        session.add(Member(ags="05913000", name="Dortmund", region="Ruhrgebiet"))
    return cli_database


def _run(*args):
    return CliRunner().invoke(main, ["user", "add", *args])


def _users(factory) -> list[User]:
    with session_scope(factory) as session:
        users = list(session.scalars(select(User).order_by(User.id)))
        session.expunge_all()
        return users


def _one_german_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fehler: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_adding_an_officer_with_a_member_succeeds(database):
    result = _run("Einkauf@Dortmund.example", "--role", "officer", "--member", "05913000",
                  "--name", "Olaf", "--password", "anfang-geheim-9")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Zugang einkauf@dortmund.example (officer) angelegt."
    user, = _users(database)
    assert user.email == "einkauf@dortmund.example" and user.role == Role.OFFICER and user.name == "Olaf"
    assert user.password_hash.startswith("$argon2id$")
    with session_scope(database) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
        assert event.actor_label == "cli" and event.entity_id == str(user.id)


def test_adding_an_admin_succeeds_and_the_admin_can_sign_in(database, tmp_path):
    assert _run("admin@einkauf.example", "--role", "admin", "--password", "anfang-geheim-9").exit_code == 0
    from einkauf.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        response = app.test_client().post("/anmelden", data={"email": "admin@einkauf.example",
                                                              "password": "anfang-geheim-9"})
        assert response.status_code == 302
    finally:
        app.extensions["einkauf.engine"].dispose()


def test_an_officer_without_member_is_refused(database):
    result = _run("einkauf@dortmund.example", "--role", "officer", "--password", "anfang-geheim-9")
    assert result.exit_code != 0
    assert "Mitglied" in _one_german_line(result)
    assert _users(database) == []


def test_an_unknown_ags_is_refused(database):
    result = _run("einkauf@dortmund.example", "--role", "officer", "--member", "99999999",
                  "--password", "anfang-geheim-9")
    assert result.exit_code != 0
    assert _one_german_line(result) == "Fehler: Kein Mitglied mit dem AGS 99999999."
    assert _users(database) == []


def test_a_duplicate_email_is_refused(database):
    assert _run("doppelt@einkauf.example", "--role", "coordinator", "--password", "anfang-geheim-9").exit_code == 0
    result = _run("DOPPELT@einkauf.example", "--role", "finance", "--password", "anfang-geheim-9")
    assert result.exit_code != 0
    assert _one_german_line(result) == "Fehler: Es gibt bereits einen Zugang für doppelt@einkauf.example."
    assert len(_users(database)) == 1


def test_a_coordinator_bound_to_a_member_is_refused(database):
    result = _run("k@einkauf.example", "--role", "coordinator", "--member", "05913000", "--password", "anfang-geheim-9")
    assert result.exit_code != 0
    assert "keinem Mitglied" in _one_german_line(result)


def test_a_short_password_is_refused(database):
    result = _run("k@einkauf.example", "--role", "coordinator", "--password", "kurz")
    assert result.exit_code != 0
    assert _one_german_line(result) == "Fehler: Das Passwort muss mindestens 8 Zeichen lang sein."


def test_an_invalid_email_is_refused(database):
    result = _run("kein-at-zeichen", "--role", "coordinator", "--password", "anfang-geheim-9")
    assert result.exit_code != 0
    assert _one_german_line(result) == "Fehler: Bitte geben Sie eine gültige E-Mail-Adresse an."


def test_without_password_and_without_a_terminal_the_command_refuses(database):
    result = _run("k@einkauf.example", "--role", "coordinator")
    assert result.exit_code != 0
    assert "--password" in _one_german_line(result)
    assert _users(database) == []
