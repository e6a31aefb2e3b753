"""Members, their delivery sites and demand rounds: create, change, open, close.

Services take a session, the acting user (or a label such as "cli") and plain values; they
validate everything themselves (the CLI and the demo call them without a form), raise domain
errors with German messages, write an AuditEvent for every change (R10) and never commit.
Edits of versioned records claim the version with `UPDATE … WHERE id = … AND version = …`
so that a concurrent save is refused instead of silently overwritten (R11).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import record_event, snapshot
from einkauf.berlin import format_berlin, utc_to_berlin
from einkauf.db import claim_version, utcnow
from einkauf.errors import DeadlinePassed, InvalidField, InvalidState, NotFound, StaleVersion
from einkauf.rounds import rules
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus

MEMBER_FIELDS = ("ags", "name", "region", "active")
SITE_FIELDS = ("name", "street", "postcode", "city", "active")
ROUND_FIELDS = ("code", "title", "opens_on", "deadline", "contract_term_months", "extension_months",
                "max_quantity_buffer_pct", "value_basis", "opened_at", "closed_at")
VALUE_BASES = ("maximum", "estimate")


def _check(problems: list[tuple[str, str | None]]) -> None:
    for field, problem in problems:
        if problem:
            raise InvalidField(field, problem)


@contextmanager
def _unique(session: Session, field: str, message: str) -> Iterator[None]:
    """Turn a unique-constraint race (two saves at once) into a German message, not a 500.

    Everything done inside the block is undone with the savepoint when the constraint fires,
    so a refused save leaves no trace even if the request goes on to commit.
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise InvalidField(field, message) from exc


# --- members -------------------------------------------------------------------------------

def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("Mitglied nicht gefunden.")
    return member


def member_query(search: str | None = None) -> Select:
    """Members ordered by name; the search matches name, AGS or region (case-insensitive)."""
    stmt = select(Member).order_by(Member.name, Member.ags)
    term = rules.clean_line(search)[:100].lower()
    if term:
        stmt = stmt.where(or_(
            func.lower(Member.name).contains(term, autoescape=True),
            Member.ags.contains(term, autoescape=True),
            func.lower(Member.region).contains(term, autoescape=True),
        ))
    return stmt


def _member_values(session: Session, ags: str, name: str, region: str, exclude_id: int | None) -> tuple[str, str, str]:
    ags = (ags or "").strip()
    name = rules.clean_line(name)
    region = rules.clean_line(region)
    _check([
        ("ags", rules.ags_problem(ags)),
        ("name", rules.text_problem("Name", name, rules.MAX_MEMBER_NAME)),
        ("region", rules.text_problem("Region", region, rules.MAX_REGION, required=False)),
    ])
    other = session.scalar(select(Member).where(Member.ags == ags, Member.id != (exclude_id or 0)))
    if other is not None:
        raise InvalidField("ags", _duplicate_ags(ags, other.name))
    return ags, name, region


def _duplicate_ags(ags: str, name: str | None = None) -> str:
    return f"Es gibt bereits ein Mitglied mit dem AGS {ags}" + (f" ({name})." if name else ".")


def create_member(
    session: Session, actor: Actor, *, ags: str, name: str, region: str = "", active: bool = True
) -> Member:
    """Add a member (Mitglied); the AGS is exactly 8 ASCII digits and unique."""
    ags, name, region = _member_values(session, ags, name, region, None)
    member = Member(ags=ags, name=name, region=region, active=bool(active), version=1)
    with _unique(session, "ags", _duplicate_ags(ags)):
        session.add(member)
    record_event(session, actor, "member.create", "member", member.id, summary=f"Mitglied {name} ({ags}) angelegt",
                 after=snapshot(member, MEMBER_FIELDS), member_id=member.id)
    return member


def update_member(session: Session, actor: Actor, member_id: int, *, expected_version: int, ags: str, name: str,
                  region: str, active: bool) -> Member:
    """Change a member; refused with StaleVersion when someone saved it in the meantime."""
    member = get_member(session, member_id)
    if member.version != expected_version:
        raise StaleVersion()
    ags, name, region = _member_values(session, ags, name, region, member.id)
    before = snapshot(member, MEMBER_FIELDS)
    values = {"ags": ags, "name": name, "region": region, "active": bool(active)}
    if all(before[k] == v for k, v in values.items()):
        return member
    with _unique(session, "ags", _duplicate_ags(ags)):
        claim_version(session, Member, member, expected_version)
        for key, value in values.items():
            setattr(member, key, value)
    record_event(session, actor, "member.update", "member", member.id, summary=f"Mitglied {name} ({ags}) geändert",
                 before=before, after=snapshot(member, MEMBER_FIELDS), member_id=member.id)
    return member


# --- delivery sites --------------------------------------------------------------------------

def get_delivery_site(session: Session, member_id: int, site_id: int) -> DeliverySite:
    """A delivery site looked up by member and id together: another member's site is not found."""
    site = session.scalar(
        select(DeliverySite).where(DeliverySite.id == site_id, DeliverySite.member_id == member_id)
    )
    if site is None:
        raise NotFound("Lieferstelle nicht gefunden.")
    return site


def _site_values(session: Session, member_id: int, name: str, street: str, postcode: str, city: str,
                 exclude_id: int | None) -> dict[str, str]:
    values = {
        "name": rules.clean_line(name),
        "street": rules.clean_line(street),
        "postcode": (postcode or "").strip(),
        "city": rules.clean_line(city),
    }
    _check([
        ("name", rules.text_problem("Bezeichnung", values["name"], rules.MAX_SITE_NAME)),
        ("street", rules.text_problem("Straße und Hausnummer", values["street"], rules.MAX_STREET)),
        ("postcode", rules.postcode_problem(values["postcode"])),
        ("city", rules.text_problem("Ort", values["city"], rules.MAX_CITY)),
    ])
    clash = session.scalar(select(DeliverySite.id).where(
        DeliverySite.member_id == member_id, DeliverySite.name == values["name"],
        DeliverySite.id != (exclude_id or 0),
    ))
    if clash is not None:
        raise InvalidField("name", _duplicate_site(values["name"]))
    return values


def _duplicate_site(name: str) -> str:
    return f"Dieses Mitglied hat bereits eine Lieferstelle „{name}“."


def create_delivery_site(session: Session, actor: Actor, member_id: int, *, name: str, street: str, postcode: str,
                         city: str, active: bool = True) -> DeliverySite:
    """Add a delivery site (Lieferstelle) to a member; its name is unique within the member."""
    member = get_member(session, member_id)
    values = _site_values(session, member.id, name, street, postcode, city, None)
    site = DeliverySite(member_id=member.id, active=bool(active), **values)
    with _unique(session, "name", _duplicate_site(values["name"])):
        session.add(site)
    record_event(session, actor, "delivery_site.create", "delivery_site", site.id,
                 summary=f"Lieferstelle {site.name} für {member.name} angelegt",
                 after=snapshot(site, SITE_FIELDS), member_id=member.id)
    return site


def update_delivery_site(session: Session, actor: Actor, member_id: int, site_id: int, *, name: str, street: str,
                         postcode: str, city: str, active: bool) -> DeliverySite:
    """Change or (de)activate a member's delivery site."""
    site = get_delivery_site(session, member_id, site_id)
    values: dict[str, Any] = _site_values(session, member_id, name, street, postcode, city, site.id)
    values["active"] = bool(active)
    before = snapshot(site, SITE_FIELDS)
    if all(before[k] == v for k, v in values.items()):
        return site
    with _unique(session, "name", _duplicate_site(values["name"])):
        for key, value in values.items():
            setattr(site, key, value)
    if before["active"] != site.active:
        action, verb = (
            ("delivery_site.activate", "aktiviert") if site.active else ("delivery_site.deactivate", "deaktiviert")
        )
    else:
        action, verb = "delivery_site.update", "geändert"
    record_event(session, actor, action, "delivery_site", site.id,
                 summary=f"Lieferstelle {site.name} von {site.member.name} {verb}",
                 before=before, after=snapshot(site, SITE_FIELDS), member_id=member_id)
    return site


# --- rounds ----------------------------------------------------------------------------------

def get_round(session: Session, round_id: int) -> Round:
    """A round by its id."""
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound("Bedarfsabfrage nicht gefunden.")
    return found


def get_round_by_code(session: Session, code: str) -> Round:
    """A round by its code (e.g. '2027'), as the command line names it."""
    code = rules.clean_line(str(code))[:40]
    found = session.scalar(select(Round).where(Round.code == code))
    if found is None:
        raise NotFound(f"Es gibt keine Bedarfsabfrage mit dem Kürzel „{code}“.")
    return found


def round_query() -> Select:
    """Rounds, newest opening date first."""
    return select(Round).order_by(Round.opens_on.desc(), Round.code.desc())


def list_rounds(session: Session) -> list[Round]:
    return list(session.scalars(round_query()))


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("float is not accepted for exact amounts; use Decimal")
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidField("max_quantity_buffer_pct", "Der Höchstmengenpuffer muss eine Zahl sein.") from None


def _round_values(session: Session, exclude_id: int | None, *, code: str, title: str, opens_on: date,
                  deadline: datetime, contract_term_months: int, extension_months: int,
                  max_quantity_buffer_pct: Decimal, value_basis: str = "maximum") -> dict[str, Any]:
    if not isinstance(deadline, datetime) or deadline.tzinfo is None:
        raise ValueError("deadline must be an aware datetime")
    if not isinstance(opens_on, date) or isinstance(opens_on, datetime):
        raise ValueError("opens_on must be a date")
    values: dict[str, Any] = {
        "code": (code or "").strip(),
        "title": rules.clean_line(title),
        "opens_on": opens_on,
        "deadline": deadline,
        "contract_term_months": contract_term_months,
        "extension_months": extension_months,
        "max_quantity_buffer_pct": _as_decimal(max_quantity_buffer_pct),
        "value_basis": value_basis,
    }
    deadline_day = utc_to_berlin(deadline).date()
    _check([
        ("code", rules.round_code_problem(values["code"])),
        ("title", rules.text_problem("Titel", values["title"], rules.MAX_ROUND_TITLE)),
        ("opens_on", rules.date_problem("Öffnungsdatum", opens_on)),
        ("deadline_date", rules.date_problem("Abgabefrist", deadline_day)),
        ("contract_term_months", rules.whole_number_problem(
            "Vertragslaufzeit", contract_term_months, rules.MIN_TERM_MONTHS, rules.MAX_TERM_MONTHS)),
        ("extension_months", rules.whole_number_problem(
            "Verlängerungsoptionen", extension_months, rules.MIN_EXTENSION_MONTHS, rules.MAX_EXTENSION_MONTHS)),
        ("max_quantity_buffer_pct", rules.buffer_problem(values["max_quantity_buffer_pct"])),
        ("deadline_date", None if deadline_day > opens_on else
         "Die Abgabefrist muss nach dem Öffnungsdatum liegen."),
        ("value_basis", _value_basis_problem(value_basis)),
    ])
    values["max_quantity_buffer_pct"] = values["max_quantity_buffer_pct"].quantize(Decimal("0.01"))
    clash = session.scalar(select(Round.id).where(Round.code == values["code"], Round.id != (exclude_id or 0)))
    if clash is not None:
        raise InvalidField("code", _duplicate_round(values["code"]))
    # Codes that differ only in case or punctuation would give the same Vergabenummer (issue 11).
    stem = rules.code_stem(values["code"])
    for other in session.scalars(select(Round.code).where(Round.id != (exclude_id or 0))):
        if rules.code_stem(other) == stem:
            raise InvalidField("code", f"Das Kürzel „{values['code']}“ ergäbe dieselben Vergabenummern "
                                       f"(…-{stem}-01) wie die Bedarfsabfrage „{other}“. Bitte wählen Sie ein "
                                       "Kürzel, das sich nicht nur in Groß-/Kleinschreibung oder Satzzeichen "
                                       "unterscheidet.")
    return values


def _value_basis_problem(value_basis: Any) -> str | None:
    if value_basis in VALUE_BASES:
        return None
    return ("Der maßgebliche Wert muss „maximum“ (Höchstwert bei Abruf der Höchstmengen) oder „estimate“ "
            "(geschätzter Wert) sein.")


def _duplicate_round(code: str) -> str:
    return f"Es gibt bereits eine Bedarfsabfrage mit dem Kürzel „{code}“."


def create_round(session: Session, actor: Actor, *, code: str, title: str, opens_on: date, deadline: datetime,
                 contract_term_months: int, extension_months: int = 0,
                 max_quantity_buffer_pct: Decimal = Decimal("0"), value_basis: str = "maximum") -> Round:
    """Create a round (Bedarfsabfrage) in draft; the deadline is an aware datetime (stored as UTC).
    value_basis: "maximum" (default) or "estimate", see einkauf.lots.procedure."""
    values = _round_values(session, None, code=code, title=title, opens_on=opens_on, deadline=deadline,
                           contract_term_months=contract_term_months, extension_months=extension_months,
                           max_quantity_buffer_pct=max_quantity_buffer_pct, value_basis=value_basis)
    row = Round(version=1, **values)
    with _unique(session, "code", _duplicate_round(values["code"])):
        session.add(row)
    record_event(session, actor, "round.create", "round", row.id,
                 summary=f"Bedarfsabfrage {row.code} angelegt", after=snapshot(row, ROUND_FIELDS))
    return row


def ensure_round_editable(row: Round) -> None:
    """Only a draft may be edited: once opened, members rely on its deadline and terms."""
    if row.status == RoundStatus.OPEN:
        raise InvalidState(f"Die Bedarfsabfrage {row.code} ist bereits geöffnet und kann nicht mehr bearbeitet werden.")
    if row.status == RoundStatus.CLOSED:
        raise InvalidState(f"Die Bedarfsabfrage {row.code} ist geschlossen und kann nicht mehr bearbeitet werden.")


def update_round(session: Session, actor: Actor, round_id: int, *, expected_version: int, code: str, title: str,
                 opens_on: date, deadline: datetime, contract_term_months: int, extension_months: int,
                 max_quantity_buffer_pct: Decimal, value_basis: str | None = None) -> Round:
    """Change a round while it is a draft; InvalidState once opened, StaleVersion on a stale save.
    value_basis None keeps the stored one."""
    row = get_round(session, round_id)
    ensure_round_editable(row)
    if row.version != expected_version:
        raise StaleVersion()
    values = _round_values(session, row.id, code=code, title=title, opens_on=opens_on, deadline=deadline,
                           contract_term_months=contract_term_months, extension_months=extension_months,
                           max_quantity_buffer_pct=max_quantity_buffer_pct,
                           value_basis=row.value_basis if value_basis is None else value_basis)
    before = snapshot(row, ROUND_FIELDS)
    if all(getattr(row, k) == v for k, v in values.items()):
        return row
    with _unique(session, "code", _duplicate_round(values["code"])):
        claim_version(session, Round, row, expected_version)
        for key, value in values.items():
            setattr(row, key, value)
    record_event(session, actor, "round.update", "round", row.id, summary=f"Bedarfsabfrage {row.code} geändert",
                 before=before, after=snapshot(row, ROUND_FIELDS))
    return row


def set_value_basis(session: Session, actor: Actor, round_id: int, value_basis: str, *,
                    expected_version: int) -> Round:
    """Change only the round's value basis ("maximum" or "estimate"): allowed in every state
    until a tender is frozen from the round (the tender keeps the basis it was decided with)."""
    row = get_round(session, round_id)
    _check([("value_basis", _value_basis_problem(value_basis))])
    session.flush()
    if session.connection().dialect.name != "sqlite":
        session.refresh(row, with_for_update=True)  # freeze_tender takes the same lock: one after the other
    if row.tender_reference is not None:
        raise InvalidState(f"Aus der Bedarfsabfrage {row.code} wurde bereits das Vergabeverfahren "
                           f"{row.tender_reference} erstellt; der maßgebliche Wert kann erst nach dessen Aufhebung "
                           "geändert werden.")
    if row.version != expected_version:
        raise StaleVersion()
    if row.value_basis == value_basis:
        return row
    before = snapshot(row, ("value_basis",))
    claim_version(session, Round, row, expected_version)
    row.value_basis = value_basis
    session.flush()
    record_event(session, actor, "round.update", "round", row.id,
                 summary=f"Bedarfsabfrage {row.code}: maßgeblicher Wert für den EU-Schwellenwert geändert "
                         f"({before['value_basis']} → {value_basis})",
                 before=before, after=snapshot(row, ("value_basis",)))
    return row


def open_round(session: Session, actor: Actor, round_id: int, *, now: datetime | None = None) -> Round:
    """Open a draft round for demand entry; its deadline must lie in the future."""
    row = get_round(session, round_id)
    if row.status != RoundStatus.DRAFT:
        raise InvalidState(f"Die Bedarfsabfrage {row.code} ist {rules.round_status_label(row.status)}; "
                           "nur ein Entwurf kann geöffnet werden.")
    now = now or utcnow()
    if row.deadline <= now:
        raise DeadlinePassed(f"Die Abgabefrist der Bedarfsabfrage {row.code} ({format_berlin(row.deadline)}) "
                             "liegt nicht in der Zukunft. Bitte verschieben Sie die Frist, bevor Sie öffnen.")
    before = snapshot(row, ROUND_FIELDS)
    claim_version(session, Round, row, row.version)
    row.opened_at = now
    session.flush()
    record_event(session, actor, "round.open", "round", row.id,
                 summary=f"Bedarfsabfrage {row.code} geöffnet (Frist {format_berlin(row.deadline)})",
                 before=before, after=snapshot(row, ROUND_FIELDS))
    return row


def close_round(session: Session, actor: Actor, round_id: int, *, now: datetime | None = None,
                early: bool = False) -> Round:
    """Close an open round: from now on no member can change or submit demand in it. Before the
    deadline only with `early` — the coordinator's explicit confirmation that the round closes
    before its deadline (issue 16 part 6); the audit event says so."""
    row = get_round(session, round_id)
    if row.status == RoundStatus.DRAFT:
        raise InvalidState(f"Die Bedarfsabfrage {row.code} ist noch nicht geöffnet und kann nicht geschlossen werden.")
    if row.status == RoundStatus.CLOSED:
        raise InvalidState(f"Die Bedarfsabfrage {row.code} ist bereits geschlossen.")
    now = now or utcnow()
    before_deadline = now < row.deadline
    if before_deadline and not early:
        raise InvalidField("early", f"Die Abgabefrist der Bedarfsabfrage {row.code} läuft noch bis "
                                    f"{format_berlin(row.deadline)}. Vor Ablauf der Frist wird sie nur mit "
                                    "ausdrücklicher Bestätigung geschlossen.")
    before = snapshot(row, ROUND_FIELDS)
    claim_version(session, Round, row, row.version)
    row.closed_at = now
    session.flush()
    summary = f"Bedarfsabfrage {row.code} geschlossen"
    if before_deadline:
        summary += f", vorzeitig vor Ablauf der Frist am {format_berlin(row.deadline)}"
    record_event(session, actor, "round.close", "round", row.id, summary=summary,
                 before=before, after={**snapshot(row, ROUND_FIELDS), "early": before_deadline})
    return row
