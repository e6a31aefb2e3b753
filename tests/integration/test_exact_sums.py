"""R1 on both databases: sums computed in SQL are exact and match the Decimal rule."""
from decimal import Decimal

from sqlalchemy import func, select

from einkauf.catalogue.models import Product
from einkauf.db import cents_to_euro, line_value, line_value_cents_sql
from einkauf.demand.models import DemandLine, Submission


def _lines(db, make_member, make_round, make_product, quantities_and_prices):
    member = make_member()
    rnd = make_round()
    submission = Submission(round_id=rnd.id, member_id=member.id)
    db.add(submission)
    db.flush()
    for quantity, price in quantities_and_prices:
        product = make_product(price=price)
        db.add(DemandLine(submission_id=submission.id, product_id=product.id,
                          delivery_site_id=member.delivery_sites[0].id, quantity=Decimal(quantity)))
    db.flush()
    return submission


def test_ten_times_ten_cents_sum_to_exactly_one_euro_in_sql(db, make_member, make_round, make_product):
    _lines(db, make_member, make_round, make_product, [("1", "0.10")] * 10)
    total = db.scalar(select(func.sum(Product.reference_price)).join(DemandLine, DemandLine.product_id == Product.id))
    assert total == Decimal("1.00")
    assert isinstance(total, Decimal)


def test_sum_of_rounded_line_values_in_sql_equals_the_decimal_rule(db, make_member, make_round, make_product):
    cases = [("3", "33.33"), ("1", "0.01"), ("0.5", "0.01"), ("1.5", "2.35"), ("2.5", "0.01"),
             ("1234.567", "1.99"), ("0.333", "0.03"), ("1000000", "999.99")]
    submission = _lines(db, make_member, make_round, make_product, cases)
    cents = db.scalar(
        select(func.sum(line_value_cents_sql(DemandLine.quantity, Product.reference_price)))
        .select_from(DemandLine).join(Product, DemandLine.product_id == Product.id)
        .where(DemandLine.submission_id == submission.id)
    )
    expected = sum(line_value(Decimal(q), Decimal(p)) for q, p in cases)
    assert cents_to_euro(cents) == expected
    assert expected == Decimal("99.99") + Decimal("0.01") + Decimal("0.01") + Decimal("3.53") + Decimal("0.03") \
        + Decimal("2456.79") + Decimal("0.01") + Decimal("999990000.00")


def test_quantity_sums_in_sql_keep_thousandths(db, make_member, make_round, make_product):
    submission = _lines(
        db, make_member, make_round, make_product, [("0.001", "1.00"), ("0.002", "1.00"), ("1234.5", "1.00")]
    )
    total = db.scalar(select(func.sum(DemandLine.quantity)).where(DemandLine.submission_id == submission.id))
    assert total == Decimal("1234.503")
