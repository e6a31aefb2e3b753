"""Pages of the cooperative staff for members, delivery sites and rounds (coordinator only).

Invalid input is shown again (200, like the other domains), a stale save with 409 (R11), a
refused open/close as a flashed message on the detail page, a record that does not exist (or a
delivery site of another member) with 404. Services raise before they change anything, and
unique-constraint races are undone inside a savepoint, so a refused save leaves no trace.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.errors import DomainError, InvalidState, StaleVersion, ValidationFailed
from einkauf.extensions import csrf
from einkauf.i18n import moment
from einkauf.roles import Role
from einkauf.rounds import services
from einkauf.rounds.deadline import default_extension, extend_round_deadline
from einkauf.rounds.forms import (
    DeliverySiteForm,
    ExtendDeadlineForm,
    MemberEditForm,
    MemberForm,
    RoundEditForm,
    RoundForm,
    ValueBasisForm,
    round_form_data,
)
from einkauf.texts import N_
from einkauf.web import get_db, load_or_404, paginate, refuse, roles_required

bp = Blueprint("rounds", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _actor():
    return current_user._get_current_object()


# --- members -------------------------------------------------------------------------------

@bp.get("/mitglieder")
@coordinator_only
def member_list():
    search = request.args.get("q", "")[:100]
    page = paginate(get_db(), services.member_query(search))
    return render_template("rounds/member_list.html", page=page, q=search)


@bp.route("/mitglieder/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt  # the form checks its own token and keeps the input when it expired
def member_new():
    form = MemberForm()
    error = None
    if form.validate_on_submit():
        try:
            member = services.create_member(get_db(), _actor(), ags=form.ags.data, name=form.name.data,
                                            region=form.region.data, active=form.active.data)
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Mitglied %(name)s wurde angelegt.", name=member.name), "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/member_form.html", form=form, member=None, error=error)


@bp.route("/mitglieder/<int:member_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def member_edit(member_id: int):
    member = load_or_404(services.get_member, member_id)
    if request.method == "POST":
        form = MemberEditForm()
    else:
        form = MemberEditForm(data={"ags": member.ags, "name": member.name, "region": member.region,
                                    "active": member.active, "version": str(member.version)})
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_member(get_db(), _actor(), member.id, expected_version=form.expected_version,
                                   ags=form.ags.data, name=form.name.data, region=form.region.data,
                                   active=form.active.data)
        except StaleVersion as exc:
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(member.version)
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Mitglied %(name)s wurde gespeichert.", name=member.name), "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/member_form.html", form=form, member=member, error=error,
                           conflict=conflict), status


# --- delivery sites --------------------------------------------------------------------------

@bp.route("/mitglieder/<int:member_id>/lieferstellen/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def site_new(member_id: int):
    member = load_or_404(services.get_member, member_id)
    form = DeliverySiteForm()
    error = None
    if form.validate_on_submit():
        try:
            site = services.create_delivery_site(get_db(), _actor(), member.id, name=form.name.data,
                                                 street=form.street.data, postcode=form.postcode.data,
                                                 city=form.city.data, active=form.active.data)
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Lieferstelle %(name)s wurde angelegt.", name=site.name), "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/site_form.html", form=form, member=member, site=None, error=error)


@bp.route("/mitglieder/<int:member_id>/lieferstellen/<int:site_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def site_edit(member_id: int, site_id: int):
    site = load_or_404(services.get_delivery_site, member_id, site_id)
    if request.method == "POST":
        form = DeliverySiteForm()
    else:
        form = DeliverySiteForm(data={"name": site.name, "street": site.street, "postcode": site.postcode,
                                      "city": site.city, "active": site.active})
    error = None
    if form.validate_on_submit():
        try:
            services.update_delivery_site(get_db(), _actor(), member_id, site.id, name=form.name.data,
                                          street=form.street.data, postcode=form.postcode.data,
                                          city=form.city.data, active=form.active.data)
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Lieferstelle %(name)s wurde gespeichert.", name=site.name), "success")
            return redirect(url_for("rounds.member_edit", member_id=member_id))
    return render_template("rounds/site_form.html", form=form, member=site.member, site=site,
                           error=error)


# --- rounds ----------------------------------------------------------------------------------

@bp.get("/runden")
@coordinator_only
def round_list():
    page = paginate(get_db(), services.round_query())
    return render_template("rounds/round_list.html", page=page)


@bp.route("/runden/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def round_new():
    form = RoundForm()
    error = None
    if form.validate_on_submit():
        try:
            row = services.create_round(get_db(), _actor(), **form.values())
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Bedarfsabfrage %(code)s wurde als Entwurf angelegt.", code=row.code), "success")
            return redirect(url_for("rounds.round_detail", round_id=row.id))
    return render_template("rounds/round_form.html", form=form, round=None, error=error)


@bp.get("/runden/<int:round_id>")
@coordinator_only
def round_detail(round_id: int):
    row = load_or_404(services.get_round, round_id)
    basis_form = ValueBasisForm(formdata=None, data={"value_basis": row.value_basis, "version": str(row.version)})
    return render_template("rounds/round_detail.html", round=row, basis_form=basis_form)


@bp.post("/runden/<int:round_id>/massgeblicher-wert")
@coordinator_only
def round_value_basis(round_id: int):
    """Change only the value basis (after opening too, until a tender is frozen); 303 back."""
    row = load_or_404(services.get_round, round_id)
    form = ValueBasisForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("rounds.round_detail", round_id=row.id), 303)
    try:
        services.set_value_basis(get_db(), _actor(), row.id, form.value_basis.data,
                                 expected_version=form.expected_version)
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext("Der maßgebliche Wert der Bedarfsabfrage %(code)s wurde gespeichert.", code=row.code),
              "success")
    return redirect(url_for("rounds.round_detail", round_id=row.id), 303)


@bp.route("/runden/<int:round_id>/bearbeiten", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def round_edit(round_id: int):
    row = load_or_404(services.get_round, round_id)
    try:
        services.ensure_round_editable(row)
    except InvalidState as exc:
        # Shown read-only with the stored values; a POST is refused as a conflict with the state.
        form = RoundEditForm(formdata=None, data=round_form_data(row))
        return render_template("rounds/round_form.html", form=form, round=row, error=refuse(exc),
                               read_only=True), (409 if request.method == "POST" else 200)
    form = RoundEditForm() if request.method == "POST" else RoundEditForm(data=round_form_data(row))
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_round(get_db(), _actor(), row.id, expected_version=form.expected_version, **form.values())
        except StaleVersion as exc:
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(row.version)
        except InvalidState as exc:
            form = RoundEditForm(formdata=None, data=round_form_data(row))
            return render_template("rounds/round_form.html", form=form, round=row, error=refuse(exc),
                                   read_only=True), 409
        except DomainError as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Bedarfsabfrage %(code)s wurde gespeichert.", code=row.code), "success")
            return redirect(url_for("rounds.round_detail", round_id=row.id))
    return render_template("rounds/round_form.html", form=form, round=row, error=error, conflict=conflict), status


def _round_action(round_id: int, action: Callable, done: str):
    """Open or close: on success and on refusal back to the detail page (no re-POST on reload).

    done is the German message id with a %(code)s placeholder, translated here.
    """
    row = load_or_404(services.get_round, round_id)
    try:
        action(get_db(), _actor(), row.id)
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext(done, code=row.code), "success")
    # The overview offers the close button too and wants its page back; nothing else is accepted.
    back = ("coordination.round_overview" if request.form.get("return_to") == "overview"
            else "rounds.round_detail")
    return redirect(url_for(back, round_id=round_id), 303)


@bp.post("/runden/<int:round_id>/oeffnen")
@coordinator_only
def round_open(round_id: int):
    return _round_action(round_id, services.open_round,
                         N_("Bedarfsabfrage %(code)s ist geöffnet. Die Mitglieder können jetzt Bedarfe melden."))


# --- extending the deadline (the demand overview and reopening: einkauf.demand.coordination_views)

@bp.route("/runden/<int:round_id>/frist-verlaengern", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def round_extend(round_id: int):
    row = load_or_404(services.get_round, round_id)
    if request.method == "POST":
        form = ExtendDeadlineForm()
    else:
        new_date, new_time = default_extension(row)
        form = ExtendDeadlineForm(data={"deadline_date": new_date, "deadline_time": new_time,
                                        "version": str(row.version)})
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            extend_round_deadline(get_db(), _actor(), row, form.moment, expected_version=form.expected_version)
        except StaleVersion as exc:
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(row.version)
        except InvalidState as exc:
            error, status = refuse(exc), 409
        except ValidationFailed as exc:
            refuse(exc, form, field="deadline_date")
        else:
            flash(gettext("Die Abgabefrist der Bedarfsabfrage %(code)s ist jetzt %(deadline)s.",
                          code=row.code, deadline=moment(row.deadline)), "success")
            return redirect(url_for("coordination.round_overview", round_id=row.id))
    return render_template("rounds/extend_form.html", form=form, round=row, error=error,
                           conflict=conflict), status
