"""The coordinator's lot plan: lot rules, preview of a (re)build with what changed, the build, and
the procedure for a planned publication date (R2–R4).

GET pages never change anything; every POST answers 303 (or re-renders a form with its errors).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.errors import DomainError, NotFound, StaleVersion
from einkauf.i18n import day, money, number
from einkauf.lots import services
from einkauf.lots.forms import (
    MAX_CATEGORY_ROWS,
    LotRulesForm,
    PublicationDateForm,
    RebuildForm,
    default_publication_date,
)
from einkauf.lots.lot_page import POSITIONS_PER_PAGE, lot_page
from einkauf.lots.planner import InvalidLotRules
from einkauf.lots.procedure import LotValue, decide_procedure
from einkauf.lots.rules_page import UnknownProductNumbers, lot_rules_page, save_typed_lot_rules
from einkauf.lots.values import ROUNDING_CAUSE
from einkauf.roles import Role
from einkauf.rounds.models import RoundStatus
from einkauf.rounds.services import get_round
from einkauf.thresholds.services import threshold_table
from einkauf.web import Page, get_db, load_or_404, long_form, refuse, roles_required

bp = Blueprint("lots", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _round_or_404(round_id: int):
    return load_or_404(get_round, round_id)


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
    db = get_db()
    row = _round_or_404(round_id)
    lot_plan = services.get_plan(db, row.id)
    publication_date, form, date_note = _publication_date(PublicationDateForm(formdata=request.args))
    decision, decision_problem = None, None
    if lot_plan is not None and lot_plan.lots:
        try:
            decision = decide_procedure(
                [LotValue(lot.number, lot.estimated_value, lot.maximum_value) for lot in lot_plan.lots],
                publication_date, thresholds=threshold_table(db), value_basis=row.value_basis,
                national_procedure=services.get_rule_set(db, row).national_procedure)
        except DomainError as exc:
            decision_problem = exc.message
    closed = row.status == RoundStatus.CLOSED
    changes = services.current_plan_changes(db, lot_plan) if closed and lot_plan is not None else []
    return render_template("lots/plan.html", round=row, plan=lot_plan, closed=closed, stale=bool(changes),
                           changes=changes,
                           tender=services.frozen_by(db, row.id), form=form, date_note=date_note, decision=decision,
                           decision_problem=decision_problem,
                           money=services.plan_money(lot_plan) if lot_plan is not None else None,
                           rounding_cause=ROUNDING_CAUSE)


@bp.get("/runden/<int:round_id>/lose/<int:lot_id>")
@coordinator_only
def lot_detail(round_id: int, lot_id: int):
    """One lot of the current plan: positions (100 a page), members with region and shares,
    delivery sites (issue 16 part 2)."""
    row = _round_or_404(round_id)
    page_number = request.args.get("page", 1, type=int) or 1
    data = load_or_404(lot_page, row, lot_id, max(1, min(page_number, 100_000)))
    pager = Page(items=list(data.positions), page=data.page, per_page=POSITIONS_PER_PAGE, total=data.position_count)
    return render_template("lots/lot_detail.html", round=row, data=data, page=pager, rounding_cause=ROUNDING_CAUSE)


@bp.route("/runden/<int:round_id>/lose/regeln", methods=["GET", "POST"])
@long_form(3 * MAX_CATEGORY_ROWS + 16)  # three fields per category row; the form takes at most MAX_CATEGORY_ROWS
@coordinator_only
def rules(round_id: int):
    db = get_db()
    row = _round_or_404(round_id)
    posted = request.method == "POST"
    page = lot_rules_page(db, row, with_stored_rules=not posted)
    form = LotRulesForm(formdata=request.form) if posted else LotRulesForm(data=page.form_data)
    problems: list[str] = []
    if posted and form.validate():
        try:
            save_typed_lot_rules(db, current_user._get_current_object(), row.id, form.typed_rows(),
                                 excluded=form.excluded.data or "", split_value=form.split_value.data,
                                 national_procedure=form.national_procedure.data,
                                 expected_version=int(form.version.data or 0))
        except NotFound as exc:
            refuse(exc)
            abort(404)
        except UnknownProductNumbers as exc:
            refuse(exc)
            form.excluded.errors = [*form.excluded.errors, gettext("Diese Artikelnummern gibt es nicht: %(numbers)s",
                                                                   numbers=", ".join(exc.numbers[:20]))]
        except InvalidLotRules as exc:
            refuse(exc)
            problems = exc.problems
        except DomainError as exc:
            problems = [refuse(exc)]
        else:
            flash(gettext("Losregeln gespeichert. Prüfen Sie die Vorschau und bilden Sie die Lose neu."), "success")
            return redirect(url_for("lots.preview", round_id=row.id), 303)
    return render_template("lots/rules.html", round=row, form=form, rows=form.rows(page.categories),
                           problems=problems, values=page.category_values, regions=page.regions)


@bp.get("/runden/<int:round_id>/lose/vorschau")
@coordinator_only
def preview(round_id: int):
    db = get_db()
    row = _round_or_404(round_id)
    result, problem = None, None
    try:
        result = services.preview_lots(db, row.id)
    except DomainError as exc:
        problem = exc.message
    form = RebuildForm(data={"stamp": result.stamp if result else ""})
    return render_template("lots/preview.html", round=row, preview=result, problem=problem, form=form)


@bp.post("/runden/<int:round_id>/lose/bilden")
@coordinator_only
def build(round_id: int):
    row = _round_or_404(round_id)
    form = RebuildForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("lots.preview", round_id=row.id), 303)
    try:
        result = services.build_lots(get_db(), current_user._get_current_object(), row.id,
                                     expected_stamp=form.stamp.data or None)
    except DomainError as exc:
        flash(refuse(exc), "error")
        target = "lots.preview" if isinstance(exc, StaleVersion) else "lots.plan"
        return redirect(url_for(target, round_id=row.id), 303)
    flash(gettext("Lose der Bedarfsabfrage %(code)s gebildet – Lose: %(lots)s, Bedarfspositionen: %(lines)s, "
                  "Mitglieder: %(members)s, geschätzter Auftragswert: %(total)s.",
                  code=result.round_code, lots=number(len(result.lots)), lines=number(result.demand_line_count),
                  members=number(result.member_count), total=money(result.estimated_total)), "success")
    return redirect(url_for("lots.plan", round_id=row.id), 303)
