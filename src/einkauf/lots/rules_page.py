"""The lot rules page of a round: what the page shows (categories and the stored rules as form
values) and saving the rules as the coordinator typed them (merge groups, region splits,
excluded article numbers)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.catalogue.models import Category, Product
from einkauf.db import in_chunks, line_value_cents_sql
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.errors import InvalidField, NotFound
from einkauf.lots.planner import LotRules
from einkauf.lots.services import RuleSet, get_rule_set, save_lot_rules
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member, Round


@dataclass(frozen=True)
class LotRulesPage:
    """The categories in catalogue order and, for a fresh page, the stored rules as form values;
    what the rules act on: each category's annual value of the submitted demand and the regions
    of the members that submitted (issue 16 part 2)."""

    categories: tuple[Category, ...]
    form_data: dict[str, Any] | None
    category_values: dict[int, Decimal] = field(default_factory=dict)
    regions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (region or "", member names), by region


@dataclass(frozen=True)
class CategoryRuleInput:
    """One posted category row: its id as typed, its merge group ("" for none), its region split."""

    category_id: str
    group: str
    region_split: bool


class UnknownProductNumbers(InvalidField):
    """Article numbers to exclude that are not in the catalogue (`numbers`, as typed)."""

    def __init__(self, numbers: list[str]):
        super().__init__("excluded", "Diese Artikelnummern gibt es nicht: " + ", ".join(numbers[:20]))
        self.numbers = numbers


def lot_rules_page(session: Session, rnd: Round, *, with_stored_rules: bool) -> LotRulesPage:
    """The rules page of a round; `with_stored_rules` adds the stored rules as the form's values
    (a GET), without them the form reads the posted fields only."""
    categories = tuple(session.scalars(select(Category).order_by(Category.sort_order, Category.name, Category.id)))
    values, regions = _submitted_demand(session, rnd)
    if not with_stored_rules:
        return LotRulesPage(categories, None, values, regions)
    rule_set = get_rule_set(session, rnd)
    rules = rule_set.rules
    group_of = {cid: str(index) for index, group in enumerate(rules.merge_groups, start=1) for cid in group}
    excluded = sorted(number for chunk in in_chunks(rules.excluded_products)
                      for number in session.scalars(select(Product.number).where(Product.id.in_(chunk))))
    return LotRulesPage(categories, {
        "categories": [{"category_id": str(c.id), "group": group_of.get(c.id, ""),
                        "region_split": c.id in rules.region_split} for c in categories],
        "excluded": "\n".join(excluded),
        "split_value": rules.split_value,
        "national_procedure": rule_set.national_procedure,
        "version": str(rule_set.version),
    }, values, regions)


def _submitted_demand(session: Session, rnd: Round) -> tuple[dict[int, Decimal], tuple]:
    """Each category's annual value of the submitted demand (lines at reference prices, each
    rounded once, R1) and the members that submitted, grouped by region."""
    submitted = (select(Submission.id).where(Submission.round_id == rnd.id,
                                             Submission.status == SubmissionStatus.SUBMITTED))
    values = {category_id: cents_to_euro(cents) for category_id, cents in session.execute(
        select(Product.category_id, cast(func.sum(line_value_cents_sql(DemandLine.quantity, Product.reference_price)),
                                         BigInteger))
        .join(Product, Product.id == DemandLine.product_id)
        .where(DemandLine.submission_id.in_(submitted))
        .group_by(Product.category_id))}
    by_region: dict[str, list[str]] = {}
    for name, region in session.execute(
            select(Member.name, Member.region).join(Submission, Submission.member_id == Member.id)
            .where(Submission.round_id == rnd.id, Submission.status == SubmissionStatus.SUBMITTED)
            .order_by(Member.name)):
        by_region.setdefault(region or "", []).append(name)
    return values, tuple((region, tuple(names)) for region, names in sorted(by_region.items(),
                                                                              key=lambda item: (not item[0], item[0])))


def save_typed_lot_rules(session: Session, actor: Actor, round_id: int, rows: Sequence[CategoryRuleInput], *,
                         excluded: str, split_value: Decimal | None, national_procedure: str,
                         expected_version: int) -> RuleSet:
    """Save the rules as typed on the page: rows with the same group number are merged, ticked
    rows split by region, the excluded article numbers (separated by blanks, commas or
    semicolons) looked up in the catalogue; then save_lot_rules.

    NotFound for a row of a category that does not exist; UnknownProductNumbers (nothing saved)
    when an excluded number is not in the catalogue."""
    known = set(session.scalars(select(Category.id)))
    groups: dict[str, list[int]] = {}
    split: set[int] = set()
    for row in rows:
        category_id = int(row.category_id or 0)
        if category_id not in known:
            raise NotFound("Diese Warengruppe gibt es nicht.")
        if row.group:
            groups.setdefault(row.group.lstrip("0") or "0", []).append(category_id)
        if row.region_split:
            split.add(category_id)
    wanted = [n for n in re.split(r"[\s,;]+", excluded) if n]
    found = {number: pid for chunk in in_chunks(wanted)
             for number, pid in session.execute(select(Product.number, Product.id).where(Product.number.in_(chunk)))}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise UnknownProductNumbers(unknown)
    rules = LotRules(merge_groups=tuple(tuple(g) for g in groups.values() if len(g) > 1),
                     region_split=frozenset(split), excluded_products=frozenset(found.values()),
                     split_value=split_value)
    return save_lot_rules(session, actor, round_id, rules, national_procedure, expected_version=expected_version)
