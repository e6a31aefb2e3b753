"""Demand collection: a member's submission in a round, its lines, submitting and reopening.

Services take a session, the acting user (or "cli") and plain values; they check the round's
state and the deadline on the server in UTC (R9), never trust a member id from a form (the
caller passes the member the user is bound to, R8), compare versions before every change
(R11), write an AuditEvent for every change (R10) and never commit.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, select, update
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import record_event
from einkauf.catalogue.models import Category, Product
from einkauf.db import in_chunks, utcnow
from einkauf.demand import consumption
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission, SubmissionStatus
from einkauf.demand.queries import get_submission, previous_submission, submission_totals
from einkauf.demand.state import ensure_editable
from einkauf.errors import InvalidState, NotFound, StaleVersion, ValidationFailed
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus

MAX_QUANTITY = Decimal("999999999.999")
MAX_LINES_PER_SUBMISSION = 20000
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*\Z")
MAX_CODE = 40
MAX_NOTE = 500


@dataclass(frozen=True)
class LineInput:
    """One demand line to save, from the entry page, a workbook or a copied round: the article
    and the delivery site resolved to their ids. It stays apart from SheetLine
    (einkauf.demand.excel_layout), which names them as a person types them (article number, site
    name) and is only a LineInput once both are found; and from GridRow (einkauf.demand.entry),
    the typed text of a page row with its errors, which may not be a line at all."""

    product_id: int
    delivery_site_id: int
    quantity: Decimal
    cost_centre: str = ""
    budget_account: str = ""
    note: str = ""
    # Where the line came from, for error messages: e.g. "Zeile 12" or "Artikel BM-0001, Zeile 2".
    origin: str = ""


@dataclass
class LineProblem:
    """A problem with one input line; origin names where it came from, field the input."""

    origin: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


class InvalidLines(ValidationFailed):
    """One or more lines are wrong; nothing was saved (all or nothing)."""

    def __init__(self, problems: list[LineProblem]):
        super().__init__(f"{len(problems)} Eingabe(n) fehlerhaft – es wurde nichts gespeichert.")
        self.problems = problems


# --- changing ------------------------------------------------------------------------------

def _claim(session: Session, submission: Submission, expected_version: int | None) -> None:
    """Compare-and-increment the submission's version in one UPDATE (R11)."""
    if expected_version is None:
        submission.version += 1
        session.flush()
        return
    if submission.version != expected_version:
        raise StaleVersion("Ihre Bedarfsmeldung wurde inzwischen an anderer Stelle geändert. Ihre Eingaben "
                           "sind unten erhalten – bitte prüfen Sie sie und speichern Sie erneut.")
    result = cast(CursorResult[Any], session.execute(  # an UPDATE gives a CursorResult (rowcount)
        update(Submission)
        .where(Submission.id == submission.id, Submission.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    if result.rowcount != 1:
        session.refresh(submission)
        raise StaleVersion("Ihre Bedarfsmeldung wurde inzwischen an anderer Stelle geändert. Ihre Eingaben "
                           "sind unten erhalten – bitte prüfen Sie sie und speichern Sie erneut.")
    session.refresh(submission)


def create_or_get_submission(session: Session, actor: Actor, rnd: Round, member_id: int) -> tuple[Submission, bool]:
    """The member's submission in the round, created as a draft if it does not exist yet.

    Uses the database's own conflict handling (INSERT … ON CONFLICT DO NOTHING on the unique
    round/member pair), not "select, then insert": when two first saves run at once (a double
    click), the second waits for the first and then finds its row instead of failing with a
    unique violation (issue 11). Returns (submission, created by this call).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]  # same API as PostgreSQL's
    now = utcnow()
    new_id = session.scalar(
        upsert(Submission)
        .values(round_id=rnd.id, member_id=member_id, status=SubmissionStatus.DRAFT, version=1, created_at=now,
                updated_at=now)
        .on_conflict_do_nothing(index_elements=["round_id", "member_id"])
        .returning(Submission.id)
    )
    submission = session.scalars(
        select(Submission).where(Submission.round_id == rnd.id, Submission.member_id == member_id)
        .execution_options(populate_existing=True)
    ).one()
    if new_id is not None:
        record_event(session, actor, "submission.create", "submission", submission.id,
                     summary=f"Bedarfsmeldung {rnd.code} angelegt", member_id=member_id)
    return submission, new_id is not None


def get_or_create_submission(session: Session, actor: Actor, rnd: Round, member_id: int) -> Submission:
    submission = get_submission(session, rnd.id, member_id)
    if submission is None:
        submission, _created = create_or_get_submission(session, actor, rnd, member_id)
    return submission


def _first_save(session: Session, actor: Actor, rnd: Round, member_id: int,
                expected_version: int | None) -> tuple[Submission, int | None]:
    """The submission for a save that found none, and the version the save may claim.

    A page loaded before the draft existed sends version 0. If a concurrent request created
    the draft in the meantime, that version is stale: the save is refused with the user's
    input kept (R11), exactly as if the two requests had come one after the other.
    """
    if expected_version not in (None, 0):
        raise StaleVersion()
    submission, created = create_or_get_submission(session, actor, rnd, member_id)
    if created or expected_version is None:
        return submission, submission.version
    return submission, expected_version


def _clean_code(value: str, label: str, origin: str, problems: list[LineProblem], name: str) -> str:
    value = (value or "").strip()
    if value and (len(value) > MAX_CODE or not CODE_RE.match(value)):
        problems.append(LineProblem(origin, name, f"{label} „{value[:MAX_CODE]}“ ist ungültig: höchstens {MAX_CODE} "
                                                  "Zeichen aus Buchstaben, Ziffern, Leerzeichen und . / _ -; am Anfang "
                                                  "ein Buchstabe oder eine Ziffer."))
    return value


def validate_lines(session: Session, member_id: int, lines: Sequence[LineInput], *,
                   category_id: int | None = None) -> tuple[list[LineInput], list[LineProblem]]:
    """Check lines against the catalogue and the member's delivery sites.

    Lines with quantity 0 are dropped (an empty input means "no demand"). Returns the clean
    lines and every problem found; the caller saves nothing if there is any problem.
    """
    problems: list[LineProblem] = []
    products = {
        p.id: p for chunk in in_chunks(line.product_id for line in lines)
        for p in session.scalars(select(Product).where(Product.id.in_(chunk)))
    }
    sites = {
        s.id: s for s in session.scalars(select(DeliverySite).where(DeliverySite.member_id == member_id))
    }
    clean: list[LineInput] = []
    seen: set[tuple] = set()
    for line in lines:
        origin = line.origin
        product = products.get(line.product_id)
        if product is None or not product.active or (category_id is not None and product.category_id != category_id):
            problems.append(LineProblem(origin, "product", "Unbekannter oder nicht bestellbarer Artikel."))
            continue
        quantity = line.quantity
        if quantity is None or not isinstance(quantity, Decimal) or not quantity.is_finite():
            problems.append(LineProblem(origin, "quantity", "Bitte eine Menge als Zahl angeben."))
            continue
        if quantity < 0:
            problems.append(LineProblem(origin, "quantity", "Die Menge darf nicht negativ sein."))
            continue
        if quantity > MAX_QUANTITY:
            problems.append(LineProblem(origin, "quantity", "Die Menge ist unrealistisch groß."))
            continue
        if quantity != quantity.quantize(Decimal("0.001")):
            problems.append(LineProblem(origin, "quantity", "Bitte höchstens 3 Nachkommastellen angeben."))
            continue
        if quantity == 0:
            continue
        site = sites.get(line.delivery_site_id)
        if site is None:
            problems.append(LineProblem(origin, "delivery_site", "Bitte eine Lieferstelle Ihres Mitglieds wählen."))
            continue
        if not site.active:
            problems.append(
                LineProblem(origin, "delivery_site", f"Die Lieferstelle „{site.name}“ ist nicht mehr aktiv.")
            )
            continue
        cost_centre = _clean_code(line.cost_centre, "Kostenstelle", origin, problems, "cost_centre")
        budget_account = _clean_code(line.budget_account, "Sachkonto", origin, problems, "budget_account")
        note = (line.note or "").strip()
        if len(note) > MAX_NOTE:
            problems.append(LineProblem(origin, "note", f"Die Bemerkung ist länger als {MAX_NOTE} Zeichen."))
        key = (line.product_id, line.delivery_site_id, cost_centre, budget_account)
        if key in seen:
            problems.append(LineProblem(origin, "delivery_site",
                                        f"Artikel {product.number} ist für diese Lieferstelle, Kostenstelle und "
                                        "dieses Sachkonto doppelt angegeben – bitte zusammenfassen."))
        seen.add(key)
        clean.append(LineInput(product_id=line.product_id, delivery_site_id=line.delivery_site_id,
                               quantity=quantity,
                               cost_centre=cost_centre, budget_account=budget_account, note=note, origin=origin))
    if len(clean) > MAX_LINES_PER_SUBMISSION:
        problems.append(LineProblem("", "lines", f"Höchstens {MAX_LINES_PER_SUBMISSION} Positionen je Bedarfsmeldung."))
    return clean, problems


def _insert_lines(session: Session, submission_id: int, lines: Iterable[LineInput]) -> int:
    rows = [
        {"submission_id": submission_id, "product_id": line.product_id, "delivery_site_id": line.delivery_site_id,
         "quantity": line.quantity, "cost_centre": line.cost_centre, "budget_account": line.budget_account,
         "note": line.note}
        for line in lines
    ]
    if rows:
        session.execute(insert(DemandLine), rows)
    return len(rows)


def save_category_lines(
    session: Session,
    actor: Actor,
    rnd: Round,
    member_id: int,
    category_id: int,
    lines: Sequence[LineInput],
    *,
    expected_version: int | None,
    participates: bool = True,
    now: datetime | None = None,
) -> Submission:
    """Replace the member's lines of one category with the given ones (the whole page at once).

    A member that does not take part in the category saves no lines for it.
    """
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("Warengruppe nicht gefunden.")
    submission = get_submission(session, rnd.id, member_id)
    ensure_editable(rnd, submission, now)
    clean, problems = validate_lines(session, member_id, lines, category_id=category_id)
    if problems:
        raise InvalidLines(problems)
    if submission is None:
        submission, expected_version = _first_save(session, actor, rnd, member_id, expected_version)
    _claim(session, submission, expected_version)
    product_ids = select(Product.id).where(Product.category_id == category_id)
    before = session.scalar(select(func.count()).select_from(DemandLine).where(
        DemandLine.submission_id == submission.id, DemandLine.product_id.in_(product_ids)))
    session.execute(delete(DemandLine).where(DemandLine.submission_id == submission.id,
                                             DemandLine.product_id.in_(product_ids)))
    excluded = session.get(CategoryExclusion, (submission.id, category_id))
    if participates:
        if excluded is not None:
            session.delete(excluded)
        count = _insert_lines(session, submission.id, clean)
    else:
        if excluded is None:
            session.add(CategoryExclusion(submission_id=submission.id, category_id=category_id))
        count = 0
    session.flush()
    session.expire(submission, ["lines", "exclusions"])
    record_event(session, actor, "submission.update", "submission", submission.id,
                 summary=f"{category.name}: {count} Positionen gespeichert" if participates
                 else f"{category.name}: keine Teilnahme",
                 before={"category": category.name, "lines": before},
                 after={"category": category.name, "lines": count, "participates": participates},
                 member_id=member_id)
    return submission


def replace_draft_lines(
    session: Session,
    actor: Actor,
    rnd: Round,
    member_id: int,
    lines: Sequence[LineInput],
    *,
    expected_version: int | None = None,
    source: str = "Excel-Import",
    sha256: str | None = None,
    now: datetime | None = None,
) -> Submission:
    """Replace all of the member's draft lines at once (the Excel import): all or nothing and
    idempotent — the same lines twice give the same state."""
    submission = get_submission(session, rnd.id, member_id)
    ensure_editable(rnd, submission, now)
    clean, problems = validate_lines(session, member_id, lines)
    if problems:
        raise InvalidLines(problems)
    if submission is None:
        # A page loaded before the draft existed sends version 0 (as in save_category_lines);
        # the Excel import sends none and replaces whatever a concurrent first save wrote.
        explicit = expected_version is not None
        submission, claimed = _first_save(session, actor, rnd, member_id, expected_version)
        expected_version = claimed if explicit else None
    _claim(session, submission, expected_version)
    before = session.scalar(
        select(func.count()).select_from(DemandLine).where(DemandLine.submission_id == submission.id)
    )
    session.execute(delete(DemandLine).where(DemandLine.submission_id == submission.id))
    # Categories with lines in the file take part again.
    categories = {category_id for chunk in in_chunks(line.product_id for line in clean)
                  for category_id in session.scalars(select(Product.category_id).where(Product.id.in_(chunk)))}
    for chunk in in_chunks(categories):
        session.execute(delete(CategoryExclusion).where(CategoryExclusion.submission_id == submission.id,
                                                        CategoryExclusion.category_id.in_(chunk)))
    count = _insert_lines(session, submission.id, clean)
    session.flush()
    session.expire(submission, ["lines", "exclusions"])
    after: dict[str, Any] = {"lines": count, "source": source}
    if sha256:
        after["sha256"] = sha256
    record_event(session, actor, "submission.import", "submission", submission.id,
                 summary=f"{source}: {count} Positionen übernommen" + (f" (SHA-256 {sha256})" if sha256 else ""),
                 before={"lines": before}, after=after, member_id=member_id)
    return submission


def copy_previous_round(session: Session, actor: Actor, rnd: Round, member_id: int, *,
                        expected_version: int | None, now: datetime | None = None,
                        choices: Mapping[int, str] | None = None) -> tuple[Submission, int]:
    """Copy the member's lines of its most recent earlier round into this round's draft.

    Lines of products that are no longer active, or of delivery sites no longer active, are
    left out. Existing lines of this round are replaced. `choices` (product id → "declared" or
    "actual") takes, per article, the annualised consumption reported under the earlier round's
    frameworks instead of the declared quantity (einkauf.demand.consumption); a line that ends at
    zero is left out.
    """
    previous = previous_submission(session, rnd, member_id)
    if previous is None:
        raise InvalidState("Es gibt keine frühere Bedarfsmeldung Ihres Mitglieds, die übernommen werden könnte.")
    rows = session.execute(
        select(DemandLine).join(Product, DemandLine.product_id == Product.id)
        .join(DeliverySite, DemandLine.delivery_site_id == DeliverySite.id)
        .where(DemandLine.submission_id == previous.id, Product.active.is_(True), DeliverySite.active.is_(True))
        .order_by(DemandLine.id)
    ).scalars().all()
    source = f"Übernahme aus {previous.round.code}"
    quantities = [r.quantity for r in rows]
    actual = {product_id for product_id, choice in (choices or {}).items() if choice == consumption.ACTUAL}
    if actual:
        reported = consumption.consumption_of(session, previous.round_id, member_id)
        if actual - set(reported):
            raise InvalidState("Für einen gewählten Artikel ist kein Verbrauch gemeldet; bitte die Auswahl "
                               "neu laden.")
        quantities = consumption.chosen_quantities([(r.product_id, r.quantity) for r in rows], reported,
                                                   dict.fromkeys(actual, consumption.ACTUAL))
        source += f", Verbrauch bei {len(actual)} Artikel{'n' if len(actual) != 1 else ''}"
    lines = [LineInput(product_id=r.product_id, delivery_site_id=r.delivery_site_id, quantity=quantity,
                       cost_centre=r.cost_centre, budget_account=r.budget_account, note=r.note)
             for r, quantity in zip(rows, quantities, strict=True) if quantity > 0]
    submission = replace_draft_lines(session, actor, rnd, member_id, lines, expected_version=expected_version,
                                     source=source, now=now)
    return submission, len(lines)


def submit_demand(session: Session, actor: Actor, rnd: Round, member_id: int, *,
                  expected_version: int | None, now: datetime | None = None) -> Submission:
    """Hand in the member's demand (draft → submitted) before the deadline."""
    now = now or utcnow()
    submission = get_submission(session, rnd.id, member_id)
    if submission is None:
        submission = get_or_create_submission(session, actor, rnd, member_id)
        expected_version = submission.version if expected_version in (None, 0) else expected_version
    ensure_editable(rnd, submission, now)
    _claim(session, submission, expected_version)
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = now
    submission.submitted_by_id = getattr(actor, "id", None)
    totals = submission_totals(session, submission.id)
    record_event(session, actor, "submission.submit", "submission", submission.id,
                 summary=f"Bedarfsmeldung {rnd.code} abgegeben: {totals.lines} Positionen, "
                         f"geschätzt {totals.estimated_value} €",
                 before={"status": "draft"}, after={"status": "submitted", "lines": totals.lines,
                                                    "estimated_value": totals.estimated_value},
                 member_id=member_id)
    return submission


def withdraw_demand(session: Session, actor: Actor, rnd: Round, member_id: int, *,
                    expected_version: int | None, now: datetime | None = None) -> Submission:
    """Take a submitted demand back to draft, before the deadline."""
    submission = get_submission(session, rnd.id, member_id)
    if submission is None or submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidState("Die Bedarfsmeldung ist nicht abgegeben.")
    ensure_editable(rnd, submission, now, allow_submitted=True)
    _claim(session, submission, expected_version)
    submission.status = SubmissionStatus.DRAFT
    record_event(session, actor, "submission.withdraw", "submission", submission.id,
                 summary=f"Bedarfsmeldung {rnd.code} zurückgezogen",
                 before={"status": "submitted"}, after={"status": "draft"}, member_id=member_id)
    return submission


def reopen_submission(session: Session, actor: Actor, rnd: Round, member_id: int, *, reason: str,
                      until: datetime, now: datetime | None = None) -> Submission:
    """A coordinator reopens a member's submission after the deadline, with a reason (R9)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed("Bitte geben Sie eine Begründung an (mindestens 5 Zeichen).")
    if len(reason) > 500:
        raise ValidationFailed("Die Begründung darf höchstens 500 Zeichen lang sein.")
    if rnd.status != RoundStatus.OPEN:
        raise InvalidState("Nur Bedarfsmeldungen einer geöffneten Bedarfsabfrage können wieder geöffnet werden.")
    if until <= now:
        raise ValidationFailed("Die neue Frist muss in der Zukunft liegen.")
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("Mitglied nicht gefunden.")
    submission = get_or_create_submission(session, actor, rnd, member_id)
    before = {"status": submission.status.value, "reopened_until": submission.reopened_until}
    submission.status = SubmissionStatus.DRAFT
    submission.reopened_until = until
    submission.reopened_at = now
    submission.reopened_by_id = getattr(actor, "id", None)
    submission.reopen_reason = reason
    submission.version += 1
    session.flush()
    record_event(session, actor, "submission.reopen", "submission", submission.id,
                 summary=f"Bedarfsmeldung {rnd.code} von {member.name} wieder geöffnet: {reason}",
                 before=before, after={"status": "draft", "reopened_until": until, "reason": reason},
                 member_id=member_id)
    return submission


def set_participation(session: Session, actor: Actor, rnd: Round, member_id: int, category_id: int, *,
                      participates: bool, expected_version: int | None,
                      now: datetime | None = None) -> Submission | None:
    """Take part in a category again, or leave it (which removes the member's lines of it).

    Asking for the state the submission is already in changes nothing (a replayed POST).
    """
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("Warengruppe nicht gefunden.")
    submission = get_submission(session, rnd.id, member_id)
    ensure_editable(rnd, submission, now)
    exclusion = session.get(CategoryExclusion, (submission.id, category_id)) if submission is not None else None
    if participates == (exclusion is None):
        return submission
    if submission is None:
        submission, expected_version = _first_save(session, actor, rnd, member_id, expected_version)
        # A concurrent first save may have set the participation already (a double click).
        exclusion = session.get(CategoryExclusion, (submission.id, category_id))
        if participates == (exclusion is None):
            return submission
    _claim(session, submission, expected_version)
    product_ids = select(Product.id).where(Product.category_id == category_id)
    removed = 0
    if participates:
        session.delete(exclusion)
    else:
        removed = cast(CursorResult[Any], session.execute(delete(DemandLine).where(
            DemandLine.submission_id == submission.id, DemandLine.product_id.in_(product_ids)))).rowcount
        session.add(CategoryExclusion(submission_id=submission.id, category_id=category_id))
    session.flush()
    session.expire(submission, ["lines", "exclusions"])
    record_event(session, actor, "submission.update", "submission", submission.id,
                 summary=(f"{category.name}: Teilnahme" if participates
                          else f"{category.name}: keine Teilnahme ({removed} Positionen entfernt)"),
                 before={"category": category.name, "participates": not participates, "lines": removed},
                 after={"category": category.name, "participates": participates, "lines": 0},
                 member_id=member_id)
    return submission
