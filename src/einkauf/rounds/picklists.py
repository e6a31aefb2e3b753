"""Members as the forms offer them (pick-lists).

(The audit log viewer reads member names and its member filter itself, in einkauf.audit.queries:
the log is the lowest layer and imports no domain.)
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.rounds.models import Member


def member_choices_by_ags(session: Session) -> list[tuple[str, str]]:
    """(AGS, label) of every member, by name, for binding a user to a member."""
    rows = session.execute(select(Member.ags, Member.name, Member.active).order_by(Member.name, Member.ags))
    return [(ags, f"{name} ({ags})" + ("" if active else " – inaktiv")) for ags, name, active in rows]
