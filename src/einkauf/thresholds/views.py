"""Administration → Schwellenwerte: the threshold table (admins change it, coordinators read it)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.errors import DomainError
from einkauf.roles import Role
from einkauf.thresholds import services
from einkauf.thresholds.forms import ThresholdForm
from einkauf.web import get_db, load_or_404, refuse, roles_required

bp = Blueprint("thresholds", __name__)


def _page(form: ThresholdForm, error: str | None = None, status: int = 200):
    db = get_db()
    rows = services.list_thresholds(db)
    in_use = {row.id: services.threshold_in_use(row) for row in rows}
    return render_template("thresholds/list.html", rows=rows, in_use=in_use, form=form, error=error,
                           kind_label=services.kind_label,
                           can_edit=current_user.role == Role.ADMIN), status


@bp.get("/schwellenwerte")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def threshold_list():
    return _page(ThresholdForm(formdata=None))


@bp.post("/schwellenwerte")
@roles_required(Role.ADMIN)
def threshold_add():
    form = ThresholdForm()
    if not form.validate():
        return _page(form)
    try:
        row = services.add_threshold(get_db(), current_user._get_current_object(), amount=form.amount.data,
                                     valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                                     kind=form.kind.data, source=form.source.data or "")
    except DomainError as exc:
        return _page(form, refuse(exc, form))
    flash(gettext("Der Schwellenwert für %(first)s–%(last)s wurde hinzugefügt.",
                  first=row.valid_from.strftime("%d.%m.%Y"), last=row.valid_to.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("thresholds.threshold_list"), 303)


@bp.post("/schwellenwerte/<int:threshold_id>/loeschen")
@roles_required(Role.ADMIN)
def threshold_delete(threshold_id: int):
    row = load_or_404(services.get_threshold, threshold_id)
    try:
        services.delete_threshold(get_db(), current_user._get_current_object(), row.id)
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext("Der Schwellenwert wurde gelöscht."), "success")
    return redirect(url_for("thresholds.threshold_list"), 303)
