"""Writing and reading the audit log (R10)."""
from __future__ import annotations

import logging
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.models import AuditEvent

log = logging.getLogger("einkauf.audit")


def _plain(value: Any) -> Any:
    """Make a value JSON-safe without losing exactness (Decimals become strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def actor_label(actor: Actor | None) -> str:
    """How an actor is named in the log and on records: a user's e-mail, "cli", or "system"."""
    return getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system")


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The given attributes of a record as a JSON-safe dict, for before/after in the log."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def record_event(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: Any = "",
    *,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    member_id: int | None = None,
) -> AuditEvent:
    """Add an AuditEvent to the session (committed with the change it describes)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label(actor),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        member_id=member_id,
        summary=summary[:500],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    session.add(event)
    # Logged when the change is committed, not now: a refused request's event is never logged.
    session.info.setdefault(_PENDING_LINES, []).append((event.actor_label, action, entity_type, entity_id, summary))
    return event


_PENDING_LINES = "einkauf.audit.pending_lines"


@listens_for(Session, "after_commit")
def _log_committed_events(session: Session) -> None:
    for line in session.info.pop(_PENDING_LINES, []):
        log.info("%s %s %s:%s %s", *line)


@listens_for(Session, "after_rollback")
def _forget_rolled_back_events(session: Session) -> None:
    session.info.pop(_PENDING_LINES, None)


def audit_query(
    *,
    action: str | None = None,
    entity_type: str | None = None,
    actor_email: str | None = None,
    member_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
) -> Select:
    """A filtered, newest-first query over the audit log."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if actor_email:
        stmt = stmt.where(func.lower(AuditEvent.actor_label).contains(actor_email.lower(), autoescape=True))
    if member_id:
        stmt = stmt.where(AuditEvent.member_id == member_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    if text:
        stmt = stmt.where(func.lower(AuditEvent.summary).contains(text.lower(), autoescape=True))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
