"""The Protokoll speaks German (issue 16 part 3): every action the code can write has a German
label; the pages of a loaded demo (sign-ins, rounds, submissions, lots, tenders, bids, awards,
frameworks, sales reports) show no program identifiers, no raw states and no English."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from einkauf.audit.display import action_label, entity_label

SOURCE = Path(__file__).resolve().parents[2] / "src" / "einkauf"
ACTION = re.compile(r'"([a-z_]+\.[a-z_]+)"')
# Identifiers a reader should never see: snake_case words, dotted actions, state pairs.
TECHNICAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b|\b(?:draft|submitted|awarded|cancelled|open|"
                       r"closed|true|false|None)\b")


def written_actions() -> set[str]:
    """Every action string literal handed to record_event somewhere in the code (and the actions a
    service picks from a choice, written as literals beside it)."""
    actions = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "record_event" not in text:
            continue
        for match in ACTION.finditer(text):
            name = match.group(1)
            entity = name.split(".")[0]
            if entity in {"einkauf", "self", "os", "sys", "re", "session", "request", "app", "current_app",
                          "utf", "application"} or name.endswith((".py", ".html", ".xlsx", ".csv", ".pdf")):
                continue
            actions.add(name)
    return actions


def test_every_written_action_has_a_german_label():
    actions = {a for a in written_actions() if "." in a}
    assert len(actions) >= 40
    unlabelled = sorted(a for a in actions if action_label(a) == a or "_" in action_label(a))
    assert unlabelled == []


def test_every_entity_type_has_a_german_label():
    types = {a.split(".")[0] for a in written_actions()}
    missing = sorted(t for t in types if entity_label(t) == t and t not in {"bids", "lot_rules"})
    assert missing == []


@pytest.fixture
def demo(db):
    from datetime import UTC, datetime

    from einkauf.demo.services import load_demo

    load_demo(db, "demo-passwort-1", now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    db.commit()


def test_the_demo_protokoll_reads_german(client, as_role, demo):
    as_role("admin")
    page_number, found_all = 1, set()
    while True:
        response = client.get(f"/protokoll?page={page_number}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        table = html[html.index("<table"):html.index("</table>")] if "<table" in html else ""
        text = re.sub(r"<[^>]+>", " ", table)
        text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses (the actors)
        found_all |= set(TECHNICAL.findall(text))
        if 'rel="next"' not in html:
            break
        page_number += 1
    assert page_number > 1
    assert sorted(found_all) == [], " ".join(sorted(found_all))


def test_states_read_as_words_not_program_values():
    from einkauf.audit.display import describe_changes

    (change,) = describe_changes({"status": "draft"}, {"status": "submitted"})
    assert (change.label, change.old, change.new) == ("Status", "Entwurf", "abgegeben")
    (decision,) = describe_changes({"decision": "pending"}, {"decision": "excluded"})
    assert (decision.old, decision.new) == ("offen", "ausgeschlossen")


def test_a_record_that_still_exists_is_linked_for_who_may_open_it(client, as_role, db, make_round, make_user):
    from einkauf.audit.services import record_event

    rnd = make_round(code="LINK")
    user = make_user("finance")
    record_event(db, "test", "round.update", "round", rnd.id, summary="Runde geändert")
    record_event(db, "test", "user.update", "user", user.id, summary="Zugang geändert")
    record_event(db, "test", "round.update", "round", 999999, summary="Gelöschte Runde")
    db.commit()
    as_role("coordinator")
    html = client.get("/protokoll").get_data(as_text=True)
    assert f'href="/runden/{rnd.id}"' in html and 'href="/runden/999999"' not in html
    assert f'href="/zugaenge/{user.id}"' not in html  # users are the administration's page
    as_role("admin")
    html = client.get("/protokoll").get_data(as_text=True)
    assert f'href="/zugaenge/{user.id}"' in html and f'href="/runden/{rnd.id}"' not in html
