"""`einkauf demo` against a real SQLite file, as `make run` calls it."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.auth.models import User
from einkauf.cli import main
from einkauf.db import make_engine, make_session_factory
from einkauf.migrate import upgrade
from einkauf.rounds.models import Member


@pytest.fixture
def environment(tmp_path):
    return {
        "EINKAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'einkauf.sqlite'}",
        "EINKAUF_SECRET_KEY": "test-secret",
        "EINKAUF_INSTANCE_PATH": str(tmp_path / "instance"),
    }


@pytest.fixture
def migrated(environment):
    upgrade(environment["EINKAUF_DATABASE_URL"])
    return environment


def _count(url: str, model) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def test_demo_loads_and_prints_the_sign_ins(migrated):
    result = CliRunner().invoke(main, ["demo", "--password", "xyz12345"], env=migrated)
    assert result.exit_code == 0, result.output
    assert "Demo-Anmeldungen (Passwort: xyz12345):" in result.output
    for email in ("koordination@einkauf.example", "finanzen@einkauf.example", "admin@einkauf.example",
                  "beschaffung-koeln@einkauf.example", "beschaffung-muelheim-an-der-ruhr@einkauf.example"):
        assert email in result.output
    assert "13 Mitglieder" in result.output
    assert _count(migrated["EINKAUF_DATABASE_URL"], Member) == 13


def test_demo_without_a_password_uses_the_documented_default(migrated):
    result = CliRunner().invoke(main, ["demo"], env=migrated)
    assert result.exit_code == 0, result.output
    assert "Demo-Anmeldungen (Passwort: einkauf-demo-2027):" in result.output


def test_a_second_load_is_refused_and_duplicates_nothing(migrated):
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--password", "xyz12345"], env=migrated).exit_code == 0
    again = runner.invoke(main, ["demo", "--password", "xyz12345"], env=migrated)
    assert again.exit_code == 1
    assert "bereits Daten" in again.stderr
    assert _count(migrated["EINKAUF_DATABASE_URL"], Member) == 13
    assert _count(migrated["EINKAUF_DATABASE_URL"], User) == 17


def test_if_empty_leaves_a_loaded_database_alone_and_still_shows_the_sign_ins(migrated):
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--password", "xyz12345"], env=migrated).exit_code == 0
    again = runner.invoke(main, ["demo", "--if-empty", "--password", "xyz12345"], env=migrated)
    assert again.exit_code == 0, again.output
    assert "Datenbank enthält bereits Daten – Demo nicht geladen." in again.output
    assert "beschaffung-muenster@einkauf.example" in again.output
    assert _count(migrated["EINKAUF_DATABASE_URL"], Member) == 13


def test_another_password_on_a_loaded_database_is_not_set_and_not_printed(migrated):
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--password", "xyz12345"], env=migrated).exit_code == 0
    again = runner.invoke(main, ["demo", "--if-empty", "--password", "anderes-passwort-9"], env=migrated)
    assert again.exit_code == 0, again.output
    assert "Das Passwort der Demo-Zugänge wurde nicht geändert" in again.output
    assert "anderes-passwort-9" not in again.output and "beschaffung-muenster@einkauf.example" in again.output
    # The first password still signs in.
    from sqlalchemy import create_engine, select

    from einkauf.auth.passwords import verify_password

    engine = create_engine(migrated["EINKAUF_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.email == "beschaffung-muenster@einkauf.example"))
        assert verify_password(stored.scalar_one(), "xyz12345")
    engine.dispose()


def test_if_empty_on_an_empty_database_loads_the_demo(migrated):
    result = CliRunner().invoke(main, ["demo", "--if-empty", "--password", "xyz12345"], env=migrated)
    assert result.exit_code == 0, result.output
    assert _count(migrated["EINKAUF_DATABASE_URL"], Member) == 13


def test_an_unmigrated_database_is_refused_with_a_hint(environment):
    result = CliRunner().invoke(main, ["demo"], env=environment)
    assert result.exit_code == 1
    assert "einkauf db upgrade" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_too_short_password_is_refused(migrated):
    result = CliRunner().invoke(main, ["demo", "--password", "kurz"], env=migrated)
    assert result.exit_code == 1
    assert "mindestens 8 Zeichen" in result.stderr
    assert _count(migrated["EINKAUF_DATABASE_URL"], Member) == 0
