"""The savings pages (issue 14 parts 4 and 5): a round's savings for coordinators, one member's
for its officers, member-bound finance and coordinators (another member's id is 404, R8)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from einkauf.charts import Chart, bar_chart
from einkauf.contracts import queries
from einkauf.contracts.savings import rounds_with_awards, savings_report
from einkauf.contracts.savings_values import SavingsReport
from einkauf.roles import Role
from einkauf.texts import N_
from einkauf.web import get_db, load_or_404, roles_required

bp = Blueprint("savings", __name__)


def lots_chart(report: SavingsReport) -> Chart:
    """"Schätzwert und Zuschlag je Los": per awarded lot the estimated and the awarded annual value."""
    return bar_chart(
        _(N_("Schätzwert und Zuschlag je Los")),
        _(N_("Je bezuschlagtem Los der Jahreswert zu Referenzpreisen (Schätzwert) und zu Zuschlagspreisen "
             "(netto); aufgehobene und nicht entschiedene Lose sind nicht enthalten.")),
        _(N_("Los")),
        [lot.label for lot in report.lots],
        [(_(N_("Schätzwert")), [lot.estimated for lot in report.lots]),
         (_(N_("Zuschlag")), [lot.awarded for lot in report.lots])])


def _render(report: SavingsReport, *, rounds: list[tuple[int, str]], round_id: int, member=None):
    chart = lots_chart(report) if report.has_awards else None
    return render_template("contracts/savings.html", report=report, chart=chart, member=member, rounds=rounds,
                           round_id=round_id)


@bp.get("/runden/<int:round_id>/einsparungen")
@roles_required(Role.COORDINATOR)
def round_savings(round_id: int):
    report = load_or_404(savings_report, round_id, translate=_)
    return _render(report, rounds=rounds_with_awards(get_db()), round_id=round_id)


@bp.get("/finanzen/vertraege/<int:member_id>/einsparungen")
@roles_required(Role.FINANCE, Role.COORDINATOR, Role.OFFICER)
def member_savings(member_id: int):
    if current_user.role in (Role.OFFICER, Role.FINANCE) and current_user.member_id is not None \
            and current_user.member_id != member_id:
        abort(404)
    if current_user.role == Role.OFFICER and current_user.member_id is None:
        abort(404)
    member = load_or_404(queries.get_member, member_id)
    rounds = rounds_with_awards(get_db())
    if not rounds:
        return render_template("contracts/savings.html", report=None, chart=None, member=member, rounds=rounds,
                               round_id=None)
    # ?runde=<id> picks another round with awards (default: the newest); any other value is 404.
    round_id = rounds[0][0]
    if "runde" in request.args:
        round_id = request.args.get("runde", type=int) or 0
        if round_id not in {known for known, _code in rounds}:
            abort(404)
    report = savings_report(get_db(), round_id, member_id=member.id, translate=_)
    return _render(report, rounds=rounds, round_id=round_id, member=member)
