"""A built lot plan for the finance export tests: awkward prices and quantities (thirds,
half-cents), texts that look like formulas, two members plus a draft that must not appear.

Import with `from finance_support import build_finance_world` and pass the usual factories.
"""
from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from einkauf.db import line_value
from einkauf.exports.finance_columns import DEFAULT_COLUMNS
from einkauf.finance.services import prepare_round_export, write_export
from einkauf.lots.models import Allocation, Lot, LotPosition
from einkauf.rounds.models import DeliverySite, Member

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


def build_finance_world(db, make_round, make_member, make_category, make_product, *, code: str = "2027",
                        ags: dict[str, str] | None = None):
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
    ags = ags or {}
    members = {"a": make_member(ags=ags.get("a"), name="Stadt Ahaus", sites=2),
               "b": make_member(ags=ags.get("b"), name="Stadt Bocholt", sites=1),
               "draft": make_member(ags=ags.get("draft"), name="Stadt Coesfeld", sites=1)}
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


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HEADERS = [c.header for c in DEFAULT_COLUMNS]
MONEY = ("Einzelpreis netto", "Gesamt netto", "USt", "Gesamt brutto")


def expected_rows(db, plan_id, member_id=None, reference=""):
    """The rows as the database holds them, with VAT computed here in Decimal (not by the export's SQL)."""
    statement = (
        select(
            Member.name,
            Member.ags,
            DeliverySite.name,
            Allocation.cost_centre,
            Allocation.budget_account,
            Lot.number,
            Lot.title,
            LotPosition.number,
            LotPosition.product_number,
            LotPosition.short_text,
            LotPosition.cpv_code,
            Allocation.quantity,
            LotPosition.unit_label,
            LotPosition.reference_price,
            Allocation.net_value,
            LotPosition.vat_rate,
        )
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(Lot, Lot.id == LotPosition.lot_id)
        .join(Member, Member.id == Allocation.member_id)
        .join(DeliverySite, DeliverySite.id == Allocation.delivery_site_id)
        .where(LotPosition.plan_id == plan_id)
    )
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    rows = []
    for member, ags, site, cc, ba, lot, title, pos, number, text, cpv, qty, unit, price, net, rate in db.execute(
        statement
    ):
        assert net == line_value(qty, price)  # the stored share is the R1 line value
        vat = (net * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append({"Haushaltsjahr": "2027", "Mitglied": member, "AGS": ags, "Lieferstelle": site,
                     "Kostenstelle": cc, "Sachkonto": ba, "Vergabenummer": reference, "Los": lot,
                     "Los-Titel": title, "Position": pos, "Artikel-Nr.": number, "Bezeichnung": text, "CPV": cpv,
                     "Menge": qty, "Einheit": unit, "Einzelpreis netto": price, "Gesamt netto": net,
                     "USt-Satz": rate, "USt": vat, "Gesamt brutto": net + vat, "Preisbasis": "Schätzpreis"})
    return rows


def row_key(row):
    return (row["AGS"], row["Los"], int(row["Position"]), row["Lieferstelle"], row["Kostenstelle"], row["Sachkonto"])


def export(db, world, fmt, **kwargs):
    rows_per_sheet = kwargs.pop("rows_per_sheet", None)
    prepared = prepare_round_export(db, world["round"].id, now=NOW, **kwargs)
    out = io.BytesIO()
    totals = write_export(db, prepared, fmt, out, rows_per_sheet=rows_per_sheet)
    return out.getvalue(), totals, prepared
