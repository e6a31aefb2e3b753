"""Read-only look-ups for the audit log viewer: the filter choices of actions and record types
(the members' pick-list and names: einkauf.rounds.picklists).

(Writing and the filtered event query itself live in audit/services.py.)
"""
from __future__ import annotations

from sqlalchemy import select
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


