"""Pages of the cooperative staff for members, delivery sites and rounds (coordinator only).

Invalid input is shown again (200, like the other domains), a stale save with 409 (R11), a
refused open/close as a flashed message on the detail page, a record that does not exist (or a
delivery site of another member) with 404. Services raise before they change anything, and
unique-constraint races are undone inside a savepoint, so a refused save leaves no trace.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from einkauf.auth.models import Role
from einkauf.errors import DomainError, InvalidState, NotFound, StaleVersion
from einkauf.extensions import csrf
from einkauf.rounds import services
from einkauf.rounds.forms import (DeliverySiteForm, MemberEditForm, MemberForm, RoundEditForm, RoundForm,
                                  round_form_data)
from einkauf.web import get_db, paginate, roles_required

bp = Blueprint("rounds", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _actor():
    return current_user._get_current_object()


def _or_404(load: Callable, *args: Any):
    try:
        return load(get_db(), *args)
    except NotFound:
        abort(404)


def _show_error(form, exc: DomainError) -> str | None:
    """Attach a service error to its field when it names one; otherwise return it for the summary."""
    name = getattr(exc, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, exc.message]
        return None
    return exc.message


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
            error = _show_error(form, exc)
        else:
            flash(f"Mitglied {member.name} wurde angelegt.", "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/member_form.html", form=form, member=None, error=error)


@bp.route("/mitglieder/<int:member_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def member_edit(member_id: int):
    member = _or_404(services.get_member, member_id)
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
            error, status, conflict = exc.message, 409, True
            form.version.data = str(member.version)
        except DomainError as exc:
            error = _show_error(form, exc)
        else:
            flash(f"Mitglied {member.name} wurde gespeichert.", "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/member_form.html", form=form, member=member, error=error,
                           conflict=conflict), status


# --- delivery sites --------------------------------------------------------------------------

@bp.route("/mitglieder/<int:member_id>/lieferstellen/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def site_new(member_id: int):
    member = _or_404(services.get_member, member_id)
    form = DeliverySiteForm()
    error = None
    if form.validate_on_submit():
        try:
            site = services.create_delivery_site(get_db(), _actor(), member.id, name=form.name.data,
                                                 street=form.street.data, postcode=form.postcode.data,
                                                 city=form.city.data, active=form.active.data)
        except DomainError as exc:
            error = _show_error(form, exc)
        else:
            flash(f"Lieferstelle {site.name} wurde angelegt.", "success")
            return redirect(url_for("rounds.member_edit", member_id=member.id))
    return render_template("rounds/site_form.html", form=form, member=member, site=None, error=error)


@bp.route("/mitglieder/<int:member_id>/lieferstellen/<int:site_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def site_edit(member_id: int, site_id: int):
    site = _or_404(services.get_delivery_site, member_id, site_id)
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
            error = _show_error(form, exc)
        else:
            flash(f"Lieferstelle {site.name} wurde gespeichert.", "success")
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
            error = _show_error(form, exc)
        else:
            flash(f"Bedarfsabfrage {row.code} wurde als Entwurf angelegt.", "success")
            return redirect(url_for("rounds.round_detail", round_id=row.id))
    return render_template("rounds/round_form.html", form=form, round=None, error=error)


@bp.get("/runden/<int:round_id>")
@coordinator_only
def round_detail(round_id: int):
    row = _or_404(services.get_round, round_id)
    return render_template("rounds/round_detail.html", round=row)


@bp.route("/runden/<int:round_id>/bearbeiten", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def round_edit(round_id: int):
    row = _or_404(services.get_round, round_id)
    try:
        services.ensure_round_editable(row)
    except InvalidState as exc:
        # Shown read-only with the stored values; a POST is refused as a conflict with the state.
        form = RoundEditForm(formdata=None, data=round_form_data(row))
        return render_template("rounds/round_form.html", form=form, round=row, error=exc.message,
                               read_only=True), (409 if request.method == "POST" else 200)
    form = RoundEditForm() if request.method == "POST" else RoundEditForm(data=round_form_data(row))
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_round(get_db(), _actor(), row.id, expected_version=form.expected_version, **form.values())
        except StaleVersion as exc:
            error, status, conflict = exc.message, 409, True
            form.version.data = str(row.version)
        except InvalidState as exc:
            form = RoundEditForm(formdata=None, data=round_form_data(row))
            return render_template("rounds/round_form.html", form=form, round=row, error=exc.message,
                                   read_only=True), 409
        except DomainError as exc:
            error = _show_error(form, exc)
        else:
            flash(f"Bedarfsabfrage {row.code} wurde gespeichert.", "success")
            return redirect(url_for("rounds.round_detail", round_id=row.id))
    return render_template("rounds/round_form.html", form=form, round=row, error=error, conflict=conflict), status


def _round_action(round_id: int, action: Callable, done: str):
    """Open or close: on success and on refusal back to the detail page (no re-POST on reload)."""
    row = _or_404(services.get_round, round_id)
    try:
        action(get_db(), _actor(), row.id)
    except DomainError as exc:
        get_db().rollback()  # a refused action must not commit anything, whatever the status code
        flash(exc.message, "error")
    else:
        flash(done.format(code=row.code), "success")
    return redirect(url_for("rounds.round_detail", round_id=round_id), 303)


@bp.post("/runden/<int:round_id>/oeffnen")
@coordinator_only
def round_open(round_id: int):
    return _round_action(round_id, services.open_round,
                         "Bedarfsabfrage {code} ist geöffnet. Die Mitglieder können jetzt Bedarfe melden.")


@bp.post("/runden/<int:round_id>/schliessen")
@coordinator_only
def round_close(round_id: int):
    return _round_action(round_id, services.close_round,
                         "Bedarfsabfrage {code} ist geschlossen. Bedarfe können nicht mehr geändert werden.")
