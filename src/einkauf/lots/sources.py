"""What a lot plan is built from, and what changed since a plan was built.

A build reads the round's submitted demand (each submission's id, status and version: every
change of demand lines claims its submission's version), the lot rules, the round's term and
maximum-quantity buffer, for Gebietslose the regions of the members with submitted demand,
and the catalogue rows that feed the lots: every product with submitted demand that the rules
do not leave out (number, short text, specification, unit code and label, reference price,
VAT rate, category, active flag) and the categories of those products and of the rules (name,
CPV code, sort order, active flag).

read_sources reads all of that in a few set-based queries (the products through one semi-join
over the round's submitted demand lines, not one parameter per product) and folds it into one
stamp: the preview shows a stamp and the build refuses to run on another one. The build
stores the parts on the plan (LotPlan.sources), so that plan_changes can later name what
changed, cheaply, without reading the demand lines: the submissions' digest, the term, the
member regions and the categories are compared with the stored parts, and the products with
the snapshot the plan's positions already hold (one join of the positions to the catalogue).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, aliased

from einkauf.catalogue.models import Category, Product, Unit
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.formatting import format_money_de, format_number_de
from einkauf.lots.models import LotPlan, LotPosition
from einkauf.lots.planner import LotRules
from einkauf.rounds.models import Member, Round

# How many products or categories a reason names before it counts the rest.
NAMED_AT_MOST = 5

LEGACY_PLAN = ("Losplan einer älteren Programmversion, die den Stand der Katalogdaten nicht festhielt "
               "(bitte neu bilden)")


@dataclass(frozen=True)
class BuildSources:
    """What a build reads now: one stamp over all of it and the parts the plan keeps."""

    stamp: str
    demand: str
    term: str
    regions: str
    categories: dict[int, tuple[str, str, int, bool]]
    inactive_products: dict[int, str]

    def to_json(self) -> str:
        """The parts as stored in LotPlan.sources (canonical JSON)."""
        return json.dumps({
            "demand": self.demand, "term": self.term, "regions": self.regions,
            "categories": {str(cid): list(row) for cid, row in self.categories.items()},
            "inactive_products": {str(pid): number for pid, number in self.inactive_products.items()},
        }, sort_keys=True, ensure_ascii=False)


def _digest(lines: Iterable[Any]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update("\x1f".join(str(part) for part in line).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _submitted(round_id: int):
    return (Submission.round_id == round_id, Submission.status == SubmissionStatus.SUBMITTED)


def _submissions_digest(session: Session, round_id: int) -> str:
    # Stored with the plan and compared later: plain values only (an enum's str() may change).
    return _digest((sid, status.value, version) for sid, status, version in session.execute(
        select(Submission.id, Submission.status, Submission.version)
        .where(Submission.round_id == round_id).order_by(Submission.id)))


def _term(rnd: Round) -> str:
    return f"{rnd.contract_term_months}|{rnd.extension_months}|{rnd.max_quantity_buffer_pct}"


def _regions_digest(session: Session, round_id: int, rules: LotRules) -> str:
    """The regions of the members with submitted demand; only Gebietslose read them ("" otherwise)."""
    if not rules.region_split:
        return ""
    return _digest(session.execute(select(Member.id, Member.region)
                                   .join(Submission, Submission.member_id == Member.id)
                                   .where(*_submitted(round_id)).distinct().order_by(Member.id)))


def _rule_categories(rules: LotRules) -> set[int]:
    return {cid for group in rules.merge_groups for cid in group} | set(rules.region_split)


def _category_rows(session: Session, category_ids: set[int]) -> dict[int, tuple[str, str, int, bool]]:
    if not category_ids:
        return {}
    return {cid: (name, cpv, int(order), bool(active)) for cid, name, cpv, order, active in session.execute(
        select(Category.id, Category.name, Category.cpv_code, Category.sort_order, Category.active)
        .where(Category.id.in_(sorted(category_ids))).order_by(Category.id))}


def read_sources(session: Session, rnd: Round, rules: LotRules) -> BuildSources:
    """Everything a build of the round reads now, with one stamp over it (see the module)."""
    demanded = select(DemandLine.product_id).join(Submission, Submission.id == DemandLine.submission_id) \
        .where(*_submitted(rnd.id))
    if rules.excluded_products:
        demanded = demanded.where(DemandLine.product_id.not_in(sorted(rules.excluded_products)))
    products = session.execute(
        select(Product.id, Product.number, Product.short_text, Product.specification, Product.unit_code,
               Unit.label, Product.reference_price, Product.vat_rate, Product.category_id, Product.active)
        .join(Unit, Unit.code == Product.unit_code)
        .where(Product.id.in_(demanded)).order_by(Product.id)).all()
    categories = _category_rows(session, {row.category_id for row in products} | _rule_categories(rules))
    parts = BuildSources(
        stamp="", demand=_submissions_digest(session, rnd.id), term=_term(rnd),
        regions=_regions_digest(session, rnd.id, rules), categories=categories,
        inactive_products={row.id: row.number for row in products if not row.active})
    stamp = _digest([
        ("rules", json.dumps(rules.to_json(), sort_keys=True)), ("term", parts.term), ("demand", parts.demand),
        ("regions", parts.regions), ("products", _digest(products)),
        ("categories", _digest((cid, *row) for cid, row in sorted(categories.items()))),
    ])
    return BuildSources(stamp=stamp, demand=parts.demand, term=parts.term, regions=parts.regions,
                        categories=categories, inactive_products=parts.inactive_products)


# --- what changed since the build ----------------------------------------------------------------

def _named(items: Iterable[str]) -> str:
    """ "a, b, c" — at most NAMED_AT_MOST, then "und n weitere" (duplicates dropped, order kept)."""
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:NAMED_AT_MOST])
    rest = len(unique) - NAMED_AT_MOST
    return f"{shown} und {rest} weitere" if rest > 0 else shown


def _percent(value: Decimal) -> str:
    return f"{format_number_de(value, 2)} %"


def plan_changes(session: Session, plan: LotPlan, rnd: Round, rules: LotRules) -> list[str]:
    """What changed since `plan` was built, in German, one reason per kind of change (naming the
    products and categories concerned); an empty list: the plan is current. `rules` are the
    round's lot rules now. A plan built before its sources were stored counts as stale."""
    if not plan.sources:
        return [LEGACY_PLAN]
    stored = json.loads(plan.sources)
    plan_rules = LotRules.from_json(json.loads(plan.rules or "{}"))
    reasons: list[str] = []
    if stored.get("demand") != _submissions_digest(session, rnd.id):
        reasons.append("Bedarfsmeldungen geändert")
    if plan_rules != rules:
        reasons.append("Losregeln geändert")
    if stored.get("term") != _term(rnd):
        reasons.append("Laufzeit, Verlängerungsoptionen oder Höchstmengenpuffer der Bedarfsabfrage geändert")
    if stored.get("regions", "") != _regions_digest(session, rnd.id, plan_rules):
        reasons.append("Regionen von Mitgliedern geändert (Gebietslose)")
    reasons += _product_changes(session, plan, stored)
    reasons += _category_changes(session, stored)
    return reasons


def _product_changes(session: Session, plan: LotPlan, stored: dict) -> list[str]:
    """The products whose catalogue row differs from the plan's position snapshot (one join)."""
    old_category = aliased(Category)
    p = LotPosition
    rows = session.execute(
        select(p.product_number, p.short_text, p.reference_price, p.unit_label, p.unit_code, p.vat_rate,
               Product.reference_price.label("price_now"), Unit.label.label("unit_now"),
               Product.vat_rate.label("vat_now"), Product.number.label("number_now"),
               Product.short_text.label("text_now"), Product.specification.label("spec_now"),
               Product.unit_code.label("unit_code_now"), Product.category_id.label("category_now"),
               p.category_id, p.specification, Category.name.label("category_name_now"),
               old_category.name.label("category_name_then"))
        .join(Product, Product.id == p.product_id)
        .join(Unit, Unit.code == Product.unit_code)
        .join(Category, Category.id == Product.category_id)
        .outerjoin(old_category, old_category.id == p.category_id)
        .where(p.plan_id == plan.id, or_(
            p.reference_price != Product.reference_price, p.category_id.is_distinct_from(Product.category_id),
            p.product_number != Product.number, p.short_text != Product.short_text,
            p.specification != Product.specification, p.unit_code != Product.unit_code,
            p.unit_label != Unit.label, p.vat_rate != Product.vat_rate))
        .order_by(p.product_number, p.id)).all()
    prices, moved, texts, units, vat = [], [], [], [], []
    for row in rows:
        who = row.product_number
        if row.reference_price != row.price_now:
            prices.append(f"{who} ({format_money_de(row.reference_price)} → {format_money_de(row.price_now)})")
        if row.category_id != row.category_now:
            moved.append(f"{who} ({row.category_name_then or '–'} → {row.category_name_now})")
        if (row.product_number, row.short_text, row.specification) != (row.number_now, row.text_now, row.spec_now):
            texts.append(who if row.number_now == who else f"{who} (jetzt {row.number_now})")
        if (row.unit_code, row.unit_label) != (row.unit_code_now, row.unit_now):
            units.append(f"{who} ({row.unit_label or row.unit_code} → {row.unit_now})")
        if row.vat_rate != row.vat_now:
            vat.append(f"{who} ({_percent(row.vat_rate)} → {_percent(row.vat_now)})")

    then_inactive = {int(pid): number for pid, number in (stored.get("inactive_products") or {}).items()}
    now_inactive = dict(session.execute(
        select(Product.id, p.product_number).join(p, p.product_id == Product.id)
        .where(p.plan_id == plan.id, Product.active == false()).distinct()).tuples().all())
    deactivated = sorted(number for pid, number in now_inactive.items() if pid not in then_inactive)
    reactivated = sorted(number for pid, number in then_inactive.items() if pid not in now_inactive)

    reasons = []
    for label, items in (("Referenzpreise geändert", prices),
                         ("Artikel einer anderen Warengruppe zugeordnet", moved),
                         ("Artikelnummern, Kurztexte oder Beschreibungen geändert", texts),
                         ("Mengeneinheiten geändert", units),
                         ("Umsatzsteuersätze geändert", vat),
                         ("Artikel deaktiviert", deactivated),
                         ("Artikel wieder aktiviert", reactivated)):
        if items:
            reasons.append(f"{label}: {_named(items)}")
    return reasons


def _category_changes(session: Session, stored: dict) -> list[str]:
    """The categories the build read whose name, CPV code, sort order or active flag changed."""
    then = {int(cid): row for cid, row in (stored.get("categories") or {}).items()}
    now = _category_rows(session, set(then))
    renamed, cpv, order, deactivated, reactivated, gone = [], [], [], [], [], []
    for cid, (name, code, sort_order, active) in sorted(then.items(), key=lambda item: (item[1][2], item[1][0])):
        if cid not in now:
            gone.append(f"„{name}“")
            continue
        name_now, code_now, order_now, active_now = now[cid]
        if name_now != name:
            renamed.append(f"„{name}“ → „{name_now}“")
        if code_now != code:
            cpv.append(f"„{name_now}“ ({code} → {code_now})")
        if order_now != sort_order:
            order.append(f"„{name_now}“")
        if active and not active_now:
            deactivated.append(f"„{name_now}“")
        if active_now and not active:
            reactivated.append(f"„{name_now}“")
    reasons = []
    for label, items in (("Warengruppen umbenannt", renamed),
                         ("CPV-Codes von Warengruppen geändert", cpv),
                         ("Reihenfolge der Warengruppen geändert", order),
                         ("Warengruppen deaktiviert", deactivated),
                         ("Warengruppen wieder aktiviert", reactivated),
                         ("Warengruppen gelöscht", gone)):
        if items:
            reasons.append(f"{label}: {_named(items)}")
    return reasons


def stale_message(reasons: list[str]) -> str:
    """One line for a refused freeze or build: what changed, and what to do."""
    return ("Seit der Losbildung hat sich geändert: " + "; ".join(reasons) + ". Bitte die Änderungen prüfen "
            "und die Lose neu bilden, bevor das Vergabeverfahren erstellt wird.")
