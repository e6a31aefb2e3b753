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
