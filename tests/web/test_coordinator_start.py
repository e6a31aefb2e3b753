"""The coordinator's start page (issue 16 part 1): every round with its step and the next action
as a link, the submission progress, and the demand value per category as a chart with its table."""
from __future__ import annotations

from datetime import UTC, datetime

from support import text


def test_the_demo_rounds_show_their_step_and_next_action(client, db, as_role):
    from einkauf.demo.services import load_demo

    load_demo(db, "demo-passwort-1", now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    db.commit()
    as_role("coordinator")
    page = text(client.get("/"))
    table = page[page.index('id="round-steps"'):page.index("</table>", page.index('id="round-steps"'))]
    rows = table.split("<tr")[2:]
    open_row = next(r for r in rows if ">2027<" in r)
    assert "Bedarfe sammeln" in open_row and "10 von 13 abgegeben" in open_row and "<progress" in open_row
    assert "Bedarfsmeldungen verfolgen" in open_row and "/uebersicht" in open_row
    done_row = next(r for r in rows if ">2025<" in r)
    assert "Vergeben" in done_row and "Abrufe verfolgen" in done_row and "/abrufe" in done_row
    assert "Bedarf je Warengruppe – 2027" in page and 'id="bedarf-warengruppen-data"' in page and "<script" not in page


def test_a_closed_round_without_lots_proposes_to_build_them(client, as_role, make_demand_round):
    built = make_demand_round()
    as_role("coordinator")
    page = text(client.get("/"))
    row = next(r for r in page.split("<tr") if f"/runden/{built.round.id}\"" in r)
    assert "Geschlossen" in row and "Lose bilden" in row and f"/runden/{built.round.id}/lose" in row


def test_an_officer_sees_its_demand_per_category_against_last_round(client, db, as_role):
    from sqlalchemy import select

    from einkauf.demo.services import load_demo
    from einkauf.rounds.models import Member

    load_demo(db, "demo-passwort-1", now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    db.commit()
    as_role("officer", member=db.scalar(select(Member).where(Member.name == "Bochum")))
    page = text(client.get("/"))
    assert "Ihr Bedarf je Warengruppe" in page and 'id="mein-bedarf-data"' in page
    data = page[page.index('id="mein-bedarf-data"'):]
    assert ">2027<" in data and ">2025<" in data


def test_the_administrator_sees_accounts_and_failed_sign_ins(client, db, as_role, make_user):
    target = make_user("finance")
    for _ in range(5):
        client.post("/anmelden", data={"email": target.email, "password": "falsch-falsch-1"})
    as_role("admin")
    page = text(client.get("/"))
    assert 'id="accounts-overview"' in page and "Deaktiviert" in page
    waiting = page[page.index('id="accounts-waiting"'):]
    assert target.email in waiting[:400] and "5 Fehlversuche" in waiting[:400]
    assert target.email in page[page.index('id="recent-failures"'):]


def test_finance_sees_the_rounds_ready_and_the_totals_of_its_own_member(client, db, as_role):
    from sqlalchemy import select

    from einkauf.demo.services import load_demo
    from einkauf.rounds.models import Member

    load_demo(db, "demo-passwort-1", now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    db.commit()
    as_role("finance")
    page = text(client.get("/"))
    ready = page[page.index('id="finance-ready"'):page.index("</table>", page.index('id="finance-ready"'))]
    assert "2025" in ready and "verfügbar" in ready  # the awarded round 2025
    members = page[page.index('id="finance-members"'):]
    assert "Bochum" in members and "Essen" in members
    as_role("finance", member=db.scalar(select(Member).where(Member.name == "Bochum")))
    page = text(client.get("/"))
    members = page[page.index('id="finance-members"'):page.index("</table>", page.index('id="finance-members"'))]
    assert "Bochum" in members and "Essen" not in members
