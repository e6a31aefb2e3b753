"""The officer's demand pages: start page, the submission of a round, entry per category,
participation, copying the previous round, submitting and withdrawing.

Only officers come here (coordinators, finance and admin have their own pages: 403), and only
for their own member: the member is always current_user.member_id, never an id from the
request (R8). A round that is still a draft, or a category that does not exist, is 404.

Statuses: invalid input re-shows the page (200, input kept), a stale save or a save after the
deadline is 409 with the typed input kept (R9, R11), an expired CSRF token re-shows the entry
page with the input (200). Button-only actions (submit, withdraw, copy, participation) redirect
to the round page with a flashed message (303), whether they succeed or are refused.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from einkauf.db import utcnow
from einkauf.demand import consumption, queries, services, state
from einkauf.demand.category_page import (
    InvalidGrid,
    category_conflict,
    category_page,
    entry_grid,
    posted_field_cap,
    save_category_grid,
)
from einkauf.demand.entry import LineGrid, time_left
from einkauf.demand.forms import CategoryLinesForm, ParticipationForm, SubmissionActionForm
from einkauf.errors import DeadlinePassed, DomainError, InvalidState, StaleVersion, ValidationFailed
from einkauf.extensions import csrf
from einkauf.formatting import format_decimal_de
from einkauf.forms import CSRF_EXPIRED
from einkauf.i18n import current_language, money
from einkauf.roles import Role
from einkauf.web import allow_form_fields, get_db, load_or_404, refuse, roles_required

bp = Blueprint("demand", __name__)

officer_only = roles_required(Role.OFFICER)


def _actor():
    return current_user._get_current_object()


def _member_id() -> int:
    return current_user.member_id


def _round(round_id: int):
    return load_or_404(queries.get_open_round, round_id)


def _back_to_round(round_id: int):
    return redirect(url_for("demand.submission", round_id=round_id), 303)


@bp.app_template_filter("time_left")
def time_left_filter(until) -> str:
    """'noch 12 Tage, 3 Stunden' / 'Frist abgelaufen' (server time, R9)."""
    parts = time_left(until, utcnow())
    if parts is None:
        return gettext("Frist abgelaufen")
    days, hours, minutes = parts
    if days:
        words = [ngettext("%(num)s Tag", "%(num)s Tage", days)]
        if hours:
            words.append(ngettext("%(num)s Stunde", "%(num)s Stunden", hours))
    elif hours:
        words = [ngettext("%(num)s Stunde", "%(num)s Stunden", hours)]
        if minutes:
            words.append(ngettext("%(num)s Minute", "%(num)s Minuten", minutes))
    elif minutes:
        words = [ngettext("%(num)s Minute", "%(num)s Minuten", minutes)]
    else:
        return gettext("noch weniger als eine Minute")
    return gettext("noch %(time)s", time=", ".join(words))


# --- start page and round page ---------------------------------------------------------------

@bp.get("/bedarf")
@officer_only
def start():
    summaries = queries.officer_round_summaries(get_db(), _member_id())
    return render_template("demand/start.html", summaries=summaries)


@bp.get("/bedarf/<int:round_id>")
@officer_only
def submission(round_id: int):
    rnd = _round(round_id)
    overview = queries.submission_overview(get_db(), rnd, _member_id())
    # The Excel round trip (demand_excel blueprint) is linked from here once it exists.
    excel = "demand_excel.upload" in current_app.view_functions
    return render_template("demand/submission.html", o=overview, excel=excel)


# --- entry per category ------------------------------------------------------------------------

def _money_text():
    """The money filter, but without Babel's pattern engine for German pages: the entry page
    prints up to three amounts per line, and Babel's formatter was a third of its render time."""
    if current_language() == "de":
        return lambda value: format_decimal_de(value, 2) + "\u00a0€"
    return money


def _inactive_site(name: str) -> str:
    return gettext("%(name)s (nicht mehr aktiv)", name=name)


def _render_category(entry, grid: LineGrid, form: CategoryLinesForm, *, lock: str | None = None,
                     refused: bool = False, summary=None, error: str | None = None, conflict=None):
    page = category_page(entry, grid, inactive_site=_inactive_site)
    return render_template(
        "demand/category.html", entry=page.entry, grid=page.grid, form=form, lock=lock, refused=refused,
        summary=summary or [], error=error, conflict=conflict, totals=page.totals,
        can_withdraw=page.can_withdraw, money_text=_money_text(), sites=page.sites, site_names=dict(page.sites),
        action=url_for("demand.category", round_id=entry.round.id, category_id=entry.category.id),
    )


@bp.route("/bedarf/<int:round_id>/warengruppen/<int:category_id>", methods=["GET", "POST"])
@officer_only
@csrf.exempt  # the page checks its own token and keeps every typed line when it expired
def category(round_id: int, category_id: int):
    db = get_db()
    rnd = _round(round_id)
    member_id = _member_id()
    entry = load_or_404(queries.category_entry, rnd, member_id, category_id)
    lock = state.lock_reason(rnd, entry.submission)

    if request.method == "GET":
        form = CategoryLinesForm(formdata=None, data={"version": str(entry.version)})
        return _render_category(entry, entry_grid(entry), form, lock=lock)

    allow_form_fields(posted_field_cap(entry), bytes_per_field=200)
    form = CategoryLinesForm()
    adding = "add_row" in request.form
    grid = entry_grid(entry, request.form, add_row=request.form["add_row"] if adding and lock is None else None)
    if lock is not None:
        # After the deadline, when submitted or closed: nothing is saved; the typed input stays visible.
        return _render_category(entry, grid, form, lock=lock, refused=True), 409
    if adding:
        # "Weitere Zeile": the same page with one more empty row for that product; nothing is saved.
        return _render_category(entry, grid, form)
    if not form.validate_on_submit():
        expired = bool(form.csrf_token.errors) if hasattr(form, "csrf_token") else False
        messages = [gettext(CSRF_EXPIRED)] if expired else [e for errs in form.errors.values() for e in errs]
        return _render_category(entry, grid, form, error=" ".join(str(m) for m in messages))
    try:
        count, value = save_category_grid(db, _actor(), rnd, member_id, entry, grid,
                                          expected_version=form.expected_version)
    except InvalidGrid as exc:  # nothing was changed
        refuse(exc)
        return _render_category(entry, grid, form, summary=exc.summary)
    except StaleVersion as exc:  # 409: the request rolls back
        error = refuse(exc)
        conflict = category_conflict(db, rnd.id, member_id, entry.category.id)
        form.version.data = str(conflict.version)
        return _render_category(entry, grid, form, error=error,
                                conflict={"lines": conflict.lines, "value": conflict.value}), 409
    except (DeadlinePassed, InvalidState) as exc:
        return _render_category(entry, grid, form, lock=state.lock_reason(rnd, entry.submission) or "deadline",
                                refused=True, error=refuse(exc)), 409
    flash(ngettext("„%(name)s“ gespeichert: %(num)s Position, geschätzter Wert %(value)s.",
                   "„%(name)s“ gespeichert: %(num)s Positionen, geschätzter Wert %(value)s.",
                   count, name=entry.category.name, value=money(value)), "success")
    return redirect(url_for("demand.category", round_id=rnd.id, category_id=entry.category.id), 303)


# --- participation, copy, submit, withdraw ---------------------------------------------------

def _refused(round_id: int, exc: DomainError):
    flash(refuse(exc), "error")
    return _back_to_round(round_id)


def _version_problem(round_id: int, form) -> Any:
    flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
    return _back_to_round(round_id)


@bp.route("/bedarf/<int:round_id>/warengruppen/<int:category_id>/teilnahme", methods=["GET", "POST"])
@officer_only
def participation(round_id: int, category_id: int):
    """GET: confirm leaving a category (its lines are removed). POST: take part or leave."""
    db = get_db()
    rnd = _round(round_id)
    entry = load_or_404(queries.category_entry, rnd, _member_id(), category_id)
    if request.method == "GET":
        lock = state.lock_reason(rnd, entry.submission)
        if lock is not None:
            flash(gettext("Die Teilnahme kann nicht mehr geändert werden."), "error")
            return _back_to_round(round_id)
        lines = sum(len(rows) for rows in entry.lines.values()) + len(entry.retired_lines)
        return render_template("demand/confirm_participation.html", entry=entry, lines=lines)
    form = ParticipationForm()
    if not form.validate():
        return _version_problem(round_id, form)
    try:
        services.set_participation(db, _actor(), rnd, _member_id(), entry.category.id,
                                   participates=form.wants_to_participate, expected_version=form.expected_version)
    except DomainError as exc:
        return _refused(round_id, exc)
    if form.wants_to_participate:
        flash(gettext("Sie nehmen an der Warengruppe „%(name)s“ teil.", name=entry.category.name), "success")
    else:
        flash(gettext("Sie nehmen an der Warengruppe „%(name)s“ nicht teil.", name=entry.category.name), "success")
    return _back_to_round(round_id)


@bp.route("/bedarf/<int:round_id>/uebernehmen", methods=["GET", "POST"])
@officer_only
def copy_previous(round_id: int):
    """GET: confirm replacing the current lines with those of the previous round; where the
    previous round's frameworks reported consumption, per article the declared quantity or the
    annualised consumption side by side (issue 15 part 4). POST: do it with the choices."""
    db = get_db()
    rnd = _round(round_id)
    overview = queries.submission_overview(db, rnd, _member_id())
    if request.method == "GET":
        if overview.lock is not None or overview.previous is None:
            flash(gettext("Eine Übernahme aus einer früheren Bedarfsabfrage ist nicht möglich."), "error")
            return _back_to_round(round_id)
        previous_totals = queries.submission_totals(db, overview.previous.id)
        articles = queries.previous_articles(db, overview.previous, _member_id())
        return render_template("demand/confirm_copy.html", o=overview, previous_totals=previous_totals,
                               reported=[a for a in articles if a.consumption is not None],
                               unreported=sum(1 for a in articles if a.consumption is None))
    if overview.previous is not None:  # one choice per article of the previous round, and the buttons
        allow_form_fields(queries.submission_totals(db, overview.previous.id).products + 10, bytes_per_field=40)
    form = SubmissionActionForm()
    if not form.validate():
        return _version_problem(round_id, form)
    try:
        choices = _consumption_choices(db, overview)
        _submission, count = services.copy_previous_round(db, _actor(), rnd, _member_id(),
                                                          expected_version=form.expected_version, choices=choices)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(ngettext("%(num)s Position aus der früheren Bedarfsabfrage übernommen.",
                   "%(num)s Positionen aus der früheren Bedarfsabfrage übernommen.", count), "success")
    return _back_to_round(round_id)


def _consumption_choices(db, overview) -> dict[int, str]:
    """The per-article choices of the copy form (artikel-<product id> = declared|actual); the
    button "alle" takes the consumption of every article with a report. A malformed field is
    refused in German, nothing is copied."""
    if request.form.get("alle") == consumption.ACTUAL:
        if overview.previous is None:
            return {}
        return {a.product_id: consumption.ACTUAL
                for a in queries.previous_articles(db, overview.previous, _member_id()) if a.consumption}
    choices: dict[int, str] = {}
    for key, value in request.form.items():
        if not key.startswith("artikel-"):
            continue
        product_id = key.removeprefix("artikel-")
        if not product_id.isdigit() or len(product_id) > 12 or value not in consumption.CHOICES:
            raise ValidationFailed(gettext("Ungültige Auswahl zwischen Menge der Vorrunde und Verbrauch."))
        choices[int(product_id)] = value
    return choices


@bp.route("/bedarf/<int:round_id>/abgeben", methods=["GET", "POST"])
@officer_only
def submit(round_id: int):
    """GET: the confirmation page with the totals. POST: hand the demand in."""
    db = get_db()
    rnd = _round(round_id)
    if request.method == "GET":
        overview = queries.submission_overview(db, rnd, _member_id())
        if overview.lock is not None:
            flash(gettext("Die Bedarfsmeldung kann jetzt nicht abgegeben werden."), "error")
            return _back_to_round(round_id)
        return render_template("demand/confirm_submit.html", o=overview)
    form = SubmissionActionForm()
    if not form.validate():
        return _version_problem(round_id, form)
    try:
        services.submit_demand(db, _actor(), rnd, _member_id(), expected_version=form.expected_version)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(gettext("Ihre Bedarfsmeldung %(code)s ist abgegeben.", code=rnd.code), "success")
    return _back_to_round(round_id)


@bp.post("/bedarf/<int:round_id>/zurueckziehen")
@officer_only
def withdraw(round_id: int):
    db = get_db()
    rnd = _round(round_id)
    form = SubmissionActionForm()
    if not form.validate():
        return _version_problem(round_id, form)
    try:
        services.withdraw_demand(db, _actor(), rnd, _member_id(), expected_version=form.expected_version)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(gettext("Ihre Bedarfsmeldung %(code)s ist zurückgezogen und wieder ein Entwurf. Geben Sie sie vor "
                  "Ablauf der Frist erneut ab.", code=rnd.code), "success")
    return _back_to_round(round_id)
