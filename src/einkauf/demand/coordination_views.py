"""The coordinator's pages of the demand of a round: the overview of every member's submission
and reopening one submission with an individual deadline (R9).

They live with the demand they show (einkauf.demand.coordination and .services); the round's
own pages — including the deadline extension they link to — stay in einkauf.rounds.views. The
URLs are under /runden/<id>/ like the round's pages. A refused reopening is shown again (409
when the state forbids it, 200 for invalid input); nothing is changed then.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.demand import coordination, queries, services
from einkauf.errors import DomainError, InvalidState
from einkauf.extensions import csrf
from einkauf.i18n import moment
from einkauf.roles import Role
from einkauf.rounds.forms import ReopenSubmissionForm
from einkauf.rounds.services import close_round, get_member, get_round
from einkauf.web import get_db, load_or_404, refuse, roles_required

bp = Blueprint("coordination", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _actor():
    return current_user._get_current_object()


@bp.get("/runden/<int:round_id>/uebersicht")
@coordinator_only
def round_overview(round_id: int):
    row = load_or_404(get_round, round_id)
    overview = coordination.round_overview(get_db(), row)
    return render_template("demand/round_overview.html", round=row, overview=overview,
                           deadline_passed=row.deadline_passed())


@bp.route("/runden/<int:round_id>/schliessen", methods=["GET", "POST"])
@coordinator_only
def round_close(round_id: int):
    """GET: confirm closing the round (issue 16 part 6) — whether the deadline is still running,
    the drafts and the members without a submission with their values (none of them will be in
    the lots). POST: close it; before the deadline only with the confirmation "vorzeitig"
    (einkauf.rounds.services.close_round). A refusal comes back to the confirmation."""
    row = load_or_404(get_round, round_id)
    if request.method == "POST":
        try:
            close_round(get_db(), _actor(), row.id, early=request.form.get("vorzeitig") == "ja")
        except DomainError as exc:
            flash(refuse(exc), "error")
            return redirect(url_for("coordination.round_close", round_id=round_id), 303)
        flash(gettext("Bedarfsabfrage %(code)s ist geschlossen. Bedarfe können nicht mehr geändert werden. Als "
                      "Nächstes: die Lose bilden.", code=row.code), "success")
        return redirect(url_for("coordination.round_overview", round_id=round_id), 303)
    if row.status.value != "open":
        flash(gettext("Nur eine geöffnete Bedarfsabfrage kann geschlossen werden."), "error")
        return redirect(url_for("coordination.round_overview", round_id=row.id), 303)
    overview = coordination.round_overview(get_db(), row)
    drafts = [m for m in overview.members if m.active and m.status in (coordination.DRAFT, coordination.REOPENED)]
    without = [m for m in overview.members if m.active and m.status == coordination.NO_SUBMISSION]
    return render_template("demand/close_confirm.html", round=row, overview=overview, drafts=drafts,
                           without=without, early=not row.deadline_passed())


@bp.route("/runden/<int:round_id>/mitglieder/<int:member_id>/wieder-oeffnen", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt  # the form checks its own token and keeps the input when it expired
def submission_reopen(round_id: int, member_id: int):
    row = load_or_404(get_round, round_id)
    member = load_or_404(get_member, member_id)
    submission = queries.get_submission(get_db(), row.id, member.id)
    if request.method == "POST":
        form = ReopenSubmissionForm()
    else:
        until_date, until_time = coordination.default_reopen_until()
        form = ReopenSubmissionForm(data={"until_date": until_date, "until_time": until_time})
    error, status = None, 200
    if form.validate_on_submit():
        try:
            services.reopen_submission(get_db(), _actor(), row, member.id, reason=form.reason.data,
                                       until=form.moment)
        except InvalidState as exc:
            error, status = refuse(exc), 409
        except DomainError as exc:
            error = refuse(exc)
        else:
            flash(gettext("Die Bedarfsmeldung von %(name)s ist wieder geöffnet bis %(until)s.",
                          name=member.name, until=moment(form.moment)), "success")
            return redirect(url_for("coordination.round_overview", round_id=row.id))
    return render_template("demand/reopen_form.html", form=form, round=row, member=member, submission=submission,
                           demand_status=coordination.submission_status(row, submission), error=error), status
