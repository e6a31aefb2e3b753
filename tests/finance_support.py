"""A built lot plan for the finance export tests: awkward prices and quantities (thirds,
half-cents), texts that look like formulas, two members plus a draft that must not appear.

Import with `from finance_support import build_finance_world` and pass the usual factories.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

# (category index, number, short text, price, VAT rate)
PRODUCTS = (
    (0, "P-001", "Kopierpapier A4", "0.33", "19.00"),
    (0, "P-002", "@Kopierpapier A3", "33.33", "19.00"),
    (1, "T-001", "Toner schwarz", "12.99", "19.00"),
    (1, "T-002", "=HYPERLINK(\"http://example.org\")", "0.01", "19.00"),
    (2, "L-001", "Lehrbuch Mathematik", "1.99", "7.00"),
)
# member key → [(product index, quantity, site index, cost centre, budget account)]
LINES = {
    "a": [(0, "1.5", 0, "KST-10", "0815"), (0, "0.5", 1, "-100", "0815"), (1, "0.333", 0, "KST-10", "5210"),
          (2, "7.125", 0, "KST-10", "5210"), (3, "0.5", 1, "+KST", "5210"), (4, "2.5", 0, "KST-10", "0001")],
    "b": [(0, "1000.001", 0, "4711", "0815"), (1, "3", 0, "4711", "0815"), (3, "1.5", 0, "4711", "0815"),
          (4, "0.333", 0, "4711", "0815")],
}


def build_finance_world(db, make_round, make_member, make_category, make_product, *, code: str = "2027"):
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.lots.models import LotPlan
    from einkauf.lots.services import build_lots

    rnd = make_round(code=code, closed=True)
    categories = [make_category(name=f"{name} {code}", sort_order=i)
                  for i, name in enumerate(("Papier", "Toner", "Lehrmaterial"))]
    products = []
    for category, number, text, price, vat in PRODUCTS:
        product = make_product(categories[category], number=f"{number}-{code}", price=price, short_text=text)
        product.vat_rate = Decimal(vat)
        products.append(product)
    members = {"a": make_member(name="Stadt Ahaus", sites=2), "b": make_member(name="Stadt Bocholt", sites=1),
               "draft": make_member(name="Stadt Coesfeld", sites=1)}
    members["a"].delivery_sites[1].name = "=1+1 Lager"
    db.flush()
    for key, status in (("a", SubmissionStatus.SUBMITTED), ("b", SubmissionStatus.SUBMITTED),
                        ("draft", SubmissionStatus.DRAFT)):
        member = members[key]
        submission = Submission(round_id=rnd.id, member_id=member.id, status=status, version=1)
        db.add(submission)
        db.flush()
        for product_index, quantity, site, cost_centre, budget_account in LINES.get(key, LINES["b"]):
            db.add(DemandLine(submission_id=submission.id, product_id=products[product_index].id,
                              delivery_site_id=member.delivery_sites[site].id, quantity=Decimal(quantity),
                              cost_centre=cost_centre, budget_account=budget_account))
    db.flush()
    build_lots(db, "test", rnd.id)
    plan = db.scalar(select(LotPlan).where(LotPlan.round_id == rnd.id, LotPlan.superseded_at.is_(None)))
    return {"round": rnd, "plan": plan, "members": members, "products": products, "categories": categories}
