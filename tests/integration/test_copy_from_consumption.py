"""The next round from real consumption (issue 15 part 4): copying the previous round offers, per
article, last round's declared quantity or the annualised consumption reported under that
round's frameworks; the consumption is split over the article's lines; other members' and
off-contract call-offs never count."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.calloffs.consumption import member_consumption
from einkauf.demand import queries, services
from einkauf.demand.models import DemandLine, Submission
from einkauf.errors import InvalidState

from calloffs_support import reported_framework
from contracts_support import cities_of

NOW = datetime(2027, 9, 10, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wired():
    """The composition root hands the call-off query to demand (as create_app and the CLI do)."""
    from einkauf.demand.consumption import provide_consumption
    from einkauf.wiring import wire

    wire()
    yield
    provide_consumption(None)


@pytest.fixture
def reported(db, bid_tender, make_user):
    return reported_framework(db, bid_tender, make_user)


def _lines(db, round_id: int, member_id: int) -> dict[str, Decimal]:
    from einkauf.catalogue.models import Product

    submission = db.scalar(select(Submission).where(Submission.round_id == round_id,
                                                    Submission.member_id == member_id))
    return dict(db.execute(select(Product.number, DemandLine.quantity)
                           .join(Product, Product.id == DemandLine.product_id)
                           .where(DemandLine.submission_id == submission.id)).tuples().all())


def test_the_consumption_is_annualised_per_article_for_the_member_only(db, reported):
    next_round, essen, tender = reported
    figures = member_consumption(db, tender.round_id, essen.id)
    by_number = {a.number: a for a in queries.previous_articles(
        db, queries.previous_submission(db, next_round, essen.id), essen.id)}
    assert by_number["P-1"].consumption == figures[by_number["P-1"].product_id]
    p1, p2 = by_number["P-1"].consumption, by_number["P-2"].consumption
    assert (p1.quantity, p1.months, p1.annual) == (Decimal("84.000"), 3, Decimal("336.000"))
    assert (p2.quantity, p2.annual) == (Decimal("1.000"), Decimal("4.000"))
    # T-1 is in lot 2, which has no framework: nothing reported, the declared quantity stays.
    assert by_number["T-1"].consumption is None and by_number["T-1"].declared == Decimal("1.000")
    assert by_number["P-1"].declared == Decimal("100.500")


def test_copying_takes_the_chosen_consumption_and_the_declared_quantity_elsewhere(db, reported):
    next_round, essen, _tender = reported
    articles = {a.number: a for a in queries.previous_articles(
        db, queries.previous_submission(db, next_round, essen.id), essen.id)}
    _submission, count = services.copy_previous_round(
        db, "test", next_round, essen.id, expected_version=0, now=NOW,
        choices={articles["P-1"].product_id: "actual", articles["P-2"].product_id: "declared"})
    assert count == 3
    assert _lines(db, next_round.id, essen.id) == {"P-1": Decimal("336.000"), "P-2": Decimal("3.333"),
                                                   "T-1": Decimal("1.000")}


def test_an_article_without_a_report_cannot_be_taken_from_consumption(db, reported):
    next_round, essen, _tender = reported
    articles = {a.number: a for a in queries.previous_articles(
        db, queries.previous_submission(db, next_round, essen.id), essen.id)}
    with pytest.raises(InvalidState):
        services.copy_previous_round(db, "test", next_round, essen.id, expected_version=0, now=NOW,
                                     choices={articles["T-1"].product_id: "actual"})
    assert db.scalar(select(Submission).where(Submission.round_id == next_round.id,
                                              Submission.member_id == essen.id)) is None


def test_without_reports_there_is_no_consumption(db, bid_tender):
    essen = cities_of(db)["Essen"]
    assert member_consumption(db, bid_tender.round_id, essen.id) == {}
