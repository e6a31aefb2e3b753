"""Read-only look-ups for the audit log viewer: the filter choices of actions, record types and
members, and the names of the members an event mentions.

The log is the lowest layer: every domain writes to it, so it imports none of them. The member
names are read from the members table through a minimal table description of its own (id, name,
AGS) instead of the Member model of einkauf.rounds; the pick-lists of the other forms stay in
einkauf.rounds.picklists.

(Writing and the filtered event query itself live in audit/services.py.)
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from einkauf.audit.display import Translate, action_label, entity_label, keep_german
from einkauf.audit.models import AuditEvent


def action_choices(session: Session, translate: Translate = keep_german) -> list[tuple[str, str]]:
    """(action, label) of every action that occurs in the log, by label (German unless translated)."""
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return sorted(((a, action_label(a, translate)) for a in actions), key=lambda c: c[1].lower())


def entity_type_choices(session: Session, translate: Translate = keep_german) -> list[tuple[str, str]]:
    """(entity type, label) of every record type that occurs in the log, by label (German unless translated)."""
    types = session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type))
    return sorted(((t, entity_label(t, translate)) for t in types), key=lambda c: c[1].lower())




# The columns of the members table (einkauf.rounds.models.Member) the log viewer reads.
_members = table("members", column("id"), column("name"), column("ags"))


def member_choices(session: Session) -> list[tuple[str, str]]:
    """(member id as text, 'Name (AGS)') of every member, by name, for the member filter."""
    rows = session.execute(select(_members.c.id, _members.c.name, _members.c.ags)
                           .order_by(_members.c.name, _members.c.ags))
    return [(str(member_id), f"{name} ({ags})") for member_id, name, ags in rows]


def member_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the given members, for showing member ids in events readably."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(_members.c.id, _members.c.name).where(_members.c.id.in_(wanted))).tuples()
    return dict(rows.all())


# The records an event may link to while they exist: entity type → (table, endpoint, URL argument,
# the roles that may open that page). Table names, not models: the log sits below every domain.
LINKS = {
    "round": ("rounds", "rounds.round_detail", "round_id", {"coordinator"}),
    "tender": ("tenders", "tenders.tender_detail", "tender_id", {"coordinator"}),
    "member": ("members", "rounds.member_edit", "member_id", {"coordinator"}),
    "user": ("users", "auth.user_edit", "user_id", {"admin"}),
    "category": ("categories", "catalogue.category_edit", "category_id", {"coordinator"}),
    "product": ("products", "catalogue.product_edit", "product_id", {"coordinator"}),
    "framework": ("frameworks", "calloffs.framework_detail", "framework_id", {"coordinator"}),
}


def existing_links(session: Session, events: Iterable[AuditEvent], role: str) -> dict[tuple[str, str], tuple]:
    """(entity type, entity id) → (endpoint, {argument: id}) for the events' records that still
    exist and whose page the role may open; one query per record type."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        link = LINKS.get(event.entity_type)
        if link is not None and role in link[3] and event.entity_id.isdigit():
            wanted.setdefault(event.entity_type, set()).add(int(event.entity_id))
    result: dict[tuple[str, str], tuple] = {}
    for entity_type, ids in wanted.items():
        table_name, endpoint, argument, _roles = LINKS[entity_type]
        records = table(table_name, column("id"))
        for found in session.scalars(select(records.c.id).where(records.c.id.in_(sorted(ids)))):
            result[(entity_type, str(found))] = (endpoint, {argument: found})
    return result
