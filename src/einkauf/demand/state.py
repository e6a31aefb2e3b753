"""Whether a member may change its demand now: the round's state, the deadline (or a reopening)
and the submission's status, checked on the server in UTC (R9). Plain checks over loaded
records; no queries."""
from __future__ import annotations

from datetime import datetime

from einkauf.db import utcnow
from einkauf.demand.models import Submission, SubmissionStatus
from einkauf.errors import DeadlinePassed, InvalidState
from einkauf.rounds.models import Round, RoundStatus


def is_editable(rnd: Round, submission: Submission | None, now: datetime | None = None) -> bool:
    """Whether the member may still change its demand in this round (R9)."""
    try:
        ensure_editable(rnd, submission, now)
    except (DeadlinePassed, InvalidState):
        return False
    return True


def ensure_editable(rnd: Round, submission: Submission | None, now: datetime | None = None,
                    *, allow_submitted: bool = False) -> None:
    now = now or utcnow()
    if rnd.status == RoundStatus.CLOSED:
        raise InvalidState("Die Bedarfsabfrage ist geschlossen; Änderungen sind nicht mehr möglich.")
    if rnd.status != RoundStatus.OPEN:
        raise InvalidState("Die Bedarfsabfrage ist noch nicht geöffnet.")
    until = submission.editable_until() if submission is not None else rnd.deadline
    if now >= until:
        raise DeadlinePassed("Die Abgabefrist ist abgelaufen; Änderungen sind nicht mehr möglich.")
    if submission is not None and submission.status == SubmissionStatus.SUBMITTED and not allow_submitted:
        raise InvalidState("Die Bedarfsmeldung ist bereits abgegeben. Ziehen Sie sie zurück, um sie zu ändern.")


LOCK_CLOSED = "closed"          # the round is closed


LOCK_NOT_OPEN = "not_open"      # the round is not open (draft rounds are 404 anyway)


LOCK_DEADLINE = "deadline"      # the deadline (or the reopening) has passed


LOCK_SUBMITTED = "submitted"    # handed in: withdraw it to change it


def lock_reason(rnd: Round, submission: Submission | None, now: datetime | None = None) -> str | None:
    """Why the member cannot change its demand now (one of the LOCK_* codes), or None."""
    try:
        ensure_editable(rnd, submission, now)
    except DeadlinePassed:
        return LOCK_DEADLINE
    except InvalidState:
        if rnd.status == RoundStatus.CLOSED:
            return LOCK_CLOSED
        if rnd.status != RoundStatus.OPEN:
            return LOCK_NOT_OPEN
        return LOCK_SUBMITTED
    return None


def can_withdraw(rnd: Round, submission: Submission | None, now: datetime | None = None) -> bool:
    """A submitted demand may go back to draft while the round is open and the deadline ahead."""
    if submission is None or submission.status != SubmissionStatus.SUBMITTED:
        return False
    try:
        ensure_editable(rnd, submission, now, allow_submitted=True)
    except (DeadlinePassed, InvalidState):
        return False
    return True
