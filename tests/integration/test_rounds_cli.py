"""`einkauf round …` against a migrated SQLite file named by EINKAUF_DATABASE_URL."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.rounds.models import Round, RoundStatus

UTC = UTC


@pytest.fixture
def database(cli_database):
    return cli_database


@pytest.fixture
def add_round(database):
    def add(code: str, *, opened: bool = False, closed: bool = False, deadline: datetime | None = None):
        now = datetime.now(UTC)
        with session_scope(database) as session:
            session.add(Round(
                code=code, title=f"Bedarfsabfrage {code}", opens_on=date(2027, 1, 4),
                deadline=deadline or now + timedelta(days=30), contract_term_months=24, extension_months=24,
                max_quantity_buffer_pct=Decimal("20.00"),
                opened_at=now if opened or closed else None, closed_at=now if closed else None,
            ))

    return add


def load(database, code: str) -> Round:
    with session_scope(database) as session:
        return session.scalar(select(Round).where(Round.code == code))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_round_close_closes_an_open_round_and_confirms_in_german(database, add_round):
    add_round("2027", opened=True, deadline=datetime.now(UTC) - timedelta(hours=1))
    result = run("round", "close", "2027")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Bedarfsabfrage 2027 geschlossen."
    assert load(database, "2027").status == RoundStatus.CLOSED
    with session_scope(database) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "round.close"))
        assert (event.actor_label, event.actor_id) == ("cli", None)


def test_round_close_before_the_deadline_needs_early(database, add_round):
    add_round("2027", opened=True)
    refused = run("round", "close", "2027")
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "läuft noch bis" in refused.stderr and "einkauf round close 2027 --early" in refused.stderr
    assert load(database, "2027").status == RoundStatus.OPEN
    result = run("round", "close", "2027", "--early")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Bedarfsabfrage 2027 geschlossen (vor Ablauf der Abgabefrist)."
    assert load(database, "2027").status == RoundStatus.CLOSED


def test_round_close_of_an_unknown_code_fails_with_one_german_line(database, add_round):
    result = run("round", "close", "2099")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == ["Fehler: Es gibt keine Bedarfsabfrage mit dem Kürzel „2099“."]


@pytest.mark.parametrize("state,reason", [
    ({}, "noch nicht geöffnet"),
    ({"closed": True}, "bereits geschlossen"),
])
def test_round_close_in_the_wrong_state_fails_and_changes_nothing(database, add_round, state, reason):
    add_round("2027", **state)
    before = load(database, "2027").closed_at
    result = run("round", "close", "2027")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and reason in result.stderr
    assert "Traceback" not in result.output
    assert load(database, "2027").closed_at == before


def test_round_open_opens_a_draft(database, add_round):
    add_round("2027")
    result = run("round", "open", "2027")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Bedarfsabfrage 2027 geöffnet; Abgabefrist ")
    assert load(database, "2027").status == RoundStatus.OPEN


def test_round_open_with_a_past_deadline_fails(database, add_round):
    add_round("2026", deadline=datetime.now(UTC) - timedelta(days=1))
    result = run("round", "open", "2026")
    assert result.exit_code == 1
    assert "liegt nicht in der Zukunft" in result.stderr
    assert load(database, "2026").opened_at is None


def test_round_list_shows_code_status_and_berlin_deadline(database, add_round):
    add_round("2027", opened=True, deadline=datetime(2027, 7, 15, 10, 0, tzinfo=UTC))
    add_round("2028")
    result = run("round", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    line_2027 = next(line for line in lines if line.startswith("2027"))
    assert "geöffnet" in line_2027 and "15.07.2027, 12:00 Uhr" in line_2027
    assert any(line.startswith("2028") and "Entwurf" in line for line in lines)


def test_round_list_of_an_empty_database_says_so(database):
    result = run("round", "list")
    assert result.exit_code == 0
    assert "keine Bedarfsabfragen" in result.stdout
