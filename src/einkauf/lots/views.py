"""The coordinator's lot plan: lot rules, preview of a (re)build with what changed, the build, and
the procedure for a planned publication date (R2–R4).

GET pages never change anything; every POST answers 303 (or re-renders a form with its errors).
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from einkauf.catalogue.models import Category, Product
from einkauf.db import in_chunks
from einkauf.errors import DomainError, StaleVersion
from einkauf.i18n import day, money, number
from einkauf.lots import services
from einkauf.lots.forms import (
    MAX_CATEGORY_ROWS,
    LotRulesForm,
    PublicationDateForm,
    RebuildForm,
    default_publication_date,
)
from einkauf.lots.planner import InvalidLotRules, LotRules
from einkauf.lots.procedure import LotValue, decide_procedure
from einkauf.lots.values import ROUNDING_CAUSE
from einkauf.roles import Role
from einkauf.rounds.models import RoundStatus
from einkauf.rounds.services import get_round
from einkauf.thresholds.services import threshold_table
from einkauf.web import get_db, load_or_404, long_form, refuse, roles_required

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


def _rules_form(db, row, formdata=None) -> tuple[LotRulesForm, list]:
    """The rules form: from the stored rules (GET) or from the posted fields only (POST)."""
    categories = list(db.scalars(select(Category).order_by(Category.sort_order, Category.name, Category.id)))
    if formdata is not None:
        return LotRulesForm(formdata=formdata), categories
    rule_set = services.get_rule_set(db, row)
    rules = rule_set.rules
    group_of = {cid: str(index) for index, group in enumerate(rules.merge_groups, start=1) for cid in group}
    excluded = sorted(number for chunk in in_chunks(rules.excluded_products)
                      for number in db.scalars(select(Product.number).where(Product.id.in_(chunk))))
    return LotRulesForm(data={
        "categories": [{"category_id": str(c.id), "group": group_of.get(c.id, ""),
                        "region_split": c.id in rules.region_split} for c in categories],
        "excluded": "\n".join(excluded),
        "split_value": rules.split_value,
        "national_procedure": rule_set.national_procedure,
        "version": str(rule_set.version),
    }), categories


def _rule_rows(form: LotRulesForm, categories: list) -> list:
    """(category, its row of the form) in category order; categories missing from a post get an empty row."""
    entries = {entry.form.category_id.data: entry for entry in form.categories.entries}
    for category in categories:
        if str(category.id) not in entries and len(form.categories.entries) < MAX_CATEGORY_ROWS:
            entries[str(category.id)] = form.categories.append_entry({"category_id": str(category.id)})
    return [(category, entries[str(category.id)]) for category in categories if str(category.id) in entries]


@bp.route("/runden/<int:round_id>/lose/regeln", methods=["GET", "POST"])
@long_form(3 * MAX_CATEGORY_ROWS + 16)  # three fields per category row; the form takes at most MAX_CATEGORY_ROWS
@coordinator_only
def rules(round_id: int):
    db = get_db()
    row = _round_or_404(round_id)
    form, categories = _rules_form(db, row, request.form if request.method == "POST" else None)
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        known = {c.id for c in categories}
        groups: dict[str, list[int]] = {}
        split: set[int] = set()
        for entry in form.categories.entries:
            category_id = int(entry.form.category_id.data or 0)
            if category_id not in known:
                abort(404)
            if entry.form.group.data:
                groups.setdefault(entry.form.group.data.lstrip("0") or "0", []).append(category_id)
            if entry.form.region_split.data:
                split.add(category_id)
        wanted = [n for n in re.split(r"[\s,;]+", form.excluded.data or "") if n]
        found = {number: pid for chunk in in_chunks(wanted)
                 for number, pid in db.execute(select(Product.number, Product.id).where(Product.number.in_(chunk)))}
        unknown = [n for n in wanted if n not in found]
        if unknown:
            form.excluded.errors = [*form.excluded.errors, gettext("Diese Artikelnummern gibt es nicht: %(numbers)s",
                                                                   numbers=", ".join(unknown[:20]))]
        else:
            rules = LotRules(merge_groups=tuple(tuple(g) for g in groups.values() if len(g) > 1),
                             region_split=frozenset(split), excluded_products=frozenset(found.values()),
                             split_value=form.split_value.data)
            try:
                services.save_lot_rules(db, current_user._get_current_object(), row.id, rules,
                                        form.national_procedure.data, expected_version=int(form.version.data or 0))
            except InvalidLotRules as exc:
                refuse(exc)
                problems = exc.problems
            except DomainError as exc:
                problems = [refuse(exc)]
            else:
                flash(gettext("Losregeln gespeichert. Prüfen Sie die Vorschau und bilden Sie die Lose neu."), "success")
                return redirect(url_for("lots.preview", round_id=row.id), 303)
    return render_template("lots/rules.html", round=row, form=form, rows=_rule_rows(form, categories),
                           problems=problems)


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
