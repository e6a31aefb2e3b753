"""The contract pages (issue 13 part 8, issue 14 part 2): a member's awarded lots with supplier,
term and the member's positions at the awarded prices; cancelled lots with their reason.

Officers see their own member's contracts under /bedarf/vertraege. Finance users and
coordinators use /finanzen/vertraege: a user bound to a member (officers always, finance maybe)
sees only that member — another member's id is 404, like a missing one (R8); coordinators and
cooperative-wide finance choose a member. Administrators have no business with contracts: 403.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.contracts import letters, queries
from einkauf.contracts.values import AWARD_ROUNDING_CAUSE
from einkauf.errors import DomainError, NotFound
from einkauf.roles import Role
from einkauf.tenders.documents import read_document
from einkauf.tenders.forms import GenerateDocumentsForm
from einkauf.tenders.services import get_tender
from einkauf.web import get_db, load_or_404, refuse, registered_file_response, roles_required

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
                           open_up_to=OPEN_UP_TO, cause=AWARD_ROUNDING_CAUSE, may_choose=_bound_member_id() is None,
                           letters=letters.newest_letters(get_db(), member.id))


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


@bp.get("/finanzen/vertraege/<int:member_id>/zuschlagsmitteilung/<int:tender_id>")
@roles_required(Role.FINANCE, Role.COORDINATOR, Role.OFFICER)
def letter_download(member_id: int, tender_id: int):
    """The member's newest award letter of the tender: a member-bound user only its own member's
    (another member's is 404, like a missing one)."""
    bound = _bound_member_id()
    if bound is not None and bound != member_id:
        abort(404)
    try:
        document = letters.newest_letter(get_db(), tender_id, member_id)
        content = read_document(current_app.config["EXPORT_DIR"], document)
    except NotFound:
        abort(404)
    return registered_file_response(content, document.content_type, document.file_name)


@bp.post("/vergaben/<int:tender_id>/zuschlag/mitteilungen")
@roles_required(Role.COORDINATOR)
def letters_generate(tender_id: int):
    """Generate the award letters of all members of the tender (a new version each)."""
    tender = load_or_404(get_tender, tender_id)
    back = redirect(url_for("bids.award_overview", tender_id=tender.id, _anchor="mitteilungen"), 303)
    form = GenerateDocumentsForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return back
    config = current_app.config
    try:
        created = letters.generate_award_letters(get_db(), current_user._get_current_object(), tender.id,
                                                 export_dir=config["EXPORT_DIR"],
                                                 cooperative_name=config["COOPERATIVE_NAME"],
                                                 cooperative_address=config["COOPERATIVE_ADDRESS"])
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext("%(count)s Zuschlagsmitteilungen erzeugt.", count=len(created)), "success")
    return back
