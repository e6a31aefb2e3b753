"""The coordinator's lot plan: build the lots of a closed round and see the procedure (R2–R4).

GET shows the stored plan (values per lot as the build stored them) and the procedure decision
for a planned publication date taken from the query string; POST builds or rebuilds the plan
and always answers 303 back to the page, with a flashed summary or the refusal.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.auth.models import Role
from einkauf.errors import DomainError, NotFound
from einkauf.i18n import day, money, number
from einkauf.lots import services
from einkauf.lots.forms import PublicationDateForm, default_publication_date
from einkauf.lots.procedure import LotValue, decide_procedure
from einkauf.rounds.models import RoundStatus
from einkauf.rounds.services import get_round
from einkauf.web import get_db, roles_required

bp = Blueprint("lots", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _round_or_404(round_id: int):
    try:
        return get_round(get_db(), round_id)
    except NotFound:
        abort(404)


def _publication_date(form: PublicationDateForm):
    """The planned publication date from the form, or the default with a German note when invalid."""
    if form.validate() and form.publication_date.data is not None:
        return form.publication_date.data, form, None
    default = default_publication_date()
    note = None
    if form.publication_date.errors:
        note = gettext("Der geplante Veröffentlichungstag ist ungültig: %(problem)s Verwendet wird stattdessen "
                       "der %(day)s.", problem=" ".join(str(e) for e in form.publication_date.errors),
                       day=day(default))
    return default, PublicationDateForm(formdata=None), note


@bp.get("/runden/<int:round_id>/lose")
@coordinator_only
def plan(round_id: int):
    row = _round_or_404(round_id)
    lot_plan = services.get_plan(get_db(), row.id)
    publication_date, form, date_note = _publication_date(PublicationDateForm(formdata=request.args))
    decision, decision_problem = None, None
    if lot_plan is not None and lot_plan.lots:
        try:
            decision = decide_procedure([LotValue(lot.number, lot.estimated_value) for lot in lot_plan.lots],
                                        publication_date)
        except DomainError as exc:
            decision_problem = exc.message
    return render_template("lots/plan.html", round=row, plan=lot_plan, closed=row.status == RoundStatus.CLOSED,
                           form=form, date_note=date_note, decision=decision, decision_problem=decision_problem)


@bp.post("/runden/<int:round_id>/lose/bilden")
@coordinator_only
def build(round_id: int):
    row = _round_or_404(round_id)
    try:
        result = services.build_lots(get_db(), current_user._get_current_object(), row.id)
    except DomainError as exc:
        get_db().rollback()  # a refused build must not commit anything
        flash(exc.message, "error")
    else:
        flash(gettext("Lose der Bedarfsabfrage %(code)s gebildet – Lose: %(lots)s, Bedarfspositionen: %(lines)s, "
                      "Mitglieder: %(members)s, geschätzter Auftragswert: %(total)s.",
                      code=result.round_code, lots=number(len(result.lots)), lines=number(result.demand_line_count),
                      members=number(result.member_count), total=money(result.estimated_total)), "success")
    return redirect(url_for("lots.plan", round_id=row.id), 303)
