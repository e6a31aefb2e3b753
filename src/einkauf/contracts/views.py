"""The contract pages (issue 13 part 8, issue 14 part 2): a member's awarded lots with supplier,
term and the member's positions at the awarded prices; cancelled lots with their reason.

Officers see their own member's contracts under /bedarf/vertraege. Finance users and
coordinators use /finanzen/vertraege: a user bound to a member (officers always, finance maybe)
sees only that member — another member's id is 404, like a missing one (R8); coordinators and
cooperative-wide finance choose a member. Administrators have no business with contracts: 403.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from einkauf.contracts import queries
from einkauf.contracts.values import AWARD_ROUNDING_CAUSE
from einkauf.roles import Role
from einkauf.web import get_db, load_or_404, roles_required

bp = Blueprint("contracts", __name__)

# Positions of a lot beyond this are folded (details/summary) so that a page of many large lots
# stays readable; the lot's sums stay visible in its summary line.
OPEN_UP_TO = 25


def _bound_member_id() -> int | None:
    """The member the signed-in user is bound to (officers always, finance maybe), else None."""
    if current_user.role in (Role.OFFICER, Role.FINANCE):
        return current_user.member_id
    return None


def _render(member_id: int, *, officer_page: bool):
    member = load_or_404(queries.get_member, member_id)
    tenders = queries.member_contracts(get_db(), member.id)
    return render_template("contracts/member.html", member=member, tenders=tenders, officer_page=officer_page,
                           open_up_to=OPEN_UP_TO, cause=AWARD_ROUNDING_CAUSE, may_choose=_bound_member_id() is None)


@bp.get("/bedarf/vertraege")
@roles_required(Role.OFFICER)
def officer_contracts():
    return _render(current_user.member_id, officer_page=True)


@bp.get("/finanzen/vertraege")
@roles_required(Role.FINANCE, Role.COORDINATOR, Role.OFFICER)
def finance_index():
    bound = _bound_member_id()
    if bound is not None:
        return redirect(url_for("contracts.member_contracts", member_id=bound))
    return render_template("contracts/choose.html", members=queries.members_to_choose(get_db()))


@bp.get("/finanzen/vertraege/<int:member_id>")
@roles_required(Role.FINANCE, Role.COORDINATOR, Role.OFFICER)
def member_contracts(member_id: int):
    bound = _bound_member_id()
    if bound is not None and bound != member_id:
        abort(404)
    return _render(member_id, officer_page=False)
