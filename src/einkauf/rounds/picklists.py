"""Members as the forms offer them (pick-lists) and as pages name them — in one place."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.rounds.models import Member


def member_choices_by_ags(session: Session) -> list[tuple[str, str]]:
    """(AGS, label) of every member, by name, for binding a user to a member."""
    rows = session.execute(select(Member.ags, Member.name, Member.active).order_by(Member.name, Member.ags))
    return [(ags, f"{name} ({ags})" + ("" if active else " – inaktiv")) for ags, name, active in rows]


def member_choices_by_id(session: Session) -> list[tuple[str, str]]:
    """(member id as text, 'Name (AGS)') of every member, by name."""
    rows = session.execute(select(Member.id, Member.name, Member.ags).order_by(Member.name, Member.ags))
    return [(str(member_id), f"{name} ({ags})") for member_id, name, ags in rows]


def member_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the given members, for showing member ids in events readably."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).tuples().all())
