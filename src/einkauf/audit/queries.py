"""Read-only look-ups for the audit log viewer: filter choices and member names.

(Writing and the filtered event query itself live in audit/services.py.)
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.audit.display import Translate, action_label, entity_label, keep_german
from einkauf.audit.models import AuditEvent
from einkauf.rounds.models import Member


def action_choices(session: Session, translate: Translate = keep_german) -> list[tuple[str, str]]:
    """(action, label) of every action that occurs in the log, by label (German unless translated)."""
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return sorted(((a, action_label(a, translate)) for a in actions), key=lambda c: c[1].lower())


def entity_type_choices(session: Session, translate: Translate = keep_german) -> list[tuple[str, str]]:
    """(entity type, label) of every record type that occurs in the log, by label (German unless translated)."""
    types = session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type))
    return sorted(((t, entity_label(t, translate)) for t in types), key=lambda c: c[1].lower())


def member_choices(session: Session) -> list[tuple[str, str]]:
    """(member id as text, 'Name (AGS)') of every member, by name."""
    rows = session.execute(select(Member.id, Member.name, Member.ags).order_by(Member.name, Member.ags))
    return [(str(member_id), f"{name} ({ags})") for member_id, name, ags in rows]


def member_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the given members, for showing member ids in events readably."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(Member.id, Member.name).where(Member.id.in_(ids)))
    return {member_id: name for member_id, name in rows}
