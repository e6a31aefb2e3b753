"""The demo data set: what a first-time user sees after `make run`, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.auth.models import User
from einkauf.auth.services import SignInRefused, authenticate
from einkauf.catalogue.models import Category, CpvCode, Product
from einkauf.db import utcnow
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.demo.services import database_is_empty, load_demo
from einkauf.errors import InvalidState, ValidationFailed
from einkauf.roles import Role
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
PASSWORD = "xyz12345"

AGS = {
    "Aachen": "05334002", "Bielefeld": "05711000", "Bochum": "05911000", "Dortmund": "05913000",
    "Düsseldorf": "05111000", "Essen": "05113000", "Gelsenkirchen": "05513000", "Hagen": "05914000",
    "Hamm": "05915000", "Köln": "05315000", "Mülheim an der Ruhr": "05117000", "Münster": "05515000",
    "Wuppertal": "05124000",
}


@pytest.fixture
def demo(db):
    return load_demo(db, PASSWORD, now=NOW)


def test_an_empty_database_is_recognised_and_a_loaded_one_is_not(db):
    assert database_is_empty(db)
    load_demo(db, PASSWORD, now=NOW)
    assert not database_is_empty(db)


def test_the_thirteen_cities_have_their_official_ags(db, demo):
    members = {m.name: m for m in db.scalars(select(Member))}
    assert {name: m.ags for name, m in members.items()} == AGS
    assert {m.region for m in members.values()} == {"Rheinland", "Ruhrgebiet", "Westfalen"}
    assert members["Köln"].region == "Rheinland" and members["Münster"].region == "Westfalen"
    assert demo.members == 13


def test_every_city_has_two_or_three_delivery_sites_with_a_full_address(db, demo):
    for member in db.scalars(select(Member)):
        assert 2 <= len(member.delivery_sites) <= 3, member.name
        for site in member.delivery_sites:
            assert site.street and site.city == member.name
            assert len(site.postcode) == 5 and site.postcode.isdigit()
    assert demo.delivery_sites == db.scalar(select(func.count()).select_from(DeliverySite))


def test_categories_carry_cpv_codes_of_the_curated_list_in_a_stable_order(db, demo):
    rows = db.execute(
        select(Category.name, Category.cpv_code, Category.sort_order, CpvCode.label)
        .join(CpvCode, CpvCode.code == Category.cpv_code)
        .order_by(Category.sort_order)
    ).all()
    assert len(rows) == db.scalar(select(func.count()).select_from(Category)) >= 10
    by_name = {r.name: r.cpv_code for r in rows}
    assert by_name["Büromaterial"] == "30192700-8"
    assert by_name["Druckpapier"] == "30197630-1"
    assert by_name["Tonerpatronen"] == "30125100-2"
    assert len({r.sort_order for r in rows}) == len(rows)
    assert rows[0].name == "Büromaterial"


def test_about_150_products_with_exact_positive_prices_and_vat(db, demo):
    products = db.scalars(select(Product)).all()
    assert 140 <= len(products) <= 170
    assert demo.products == len(products)
    for product in products:
        assert isinstance(product.reference_price, Decimal)
        assert product.reference_price > 0
        assert product.reference_price.as_tuple().exponent == -2
        assert product.vat_rate in (Decimal("19.00"), Decimal("7.00"))
        assert product.short_text and product.specification
    assert any(p.vat_rate == Decimal("7.00") for p in products)
    paper = db.scalar(select(Product).where(Product.short_text == "Kopierpapier DIN A4, 80 g/m², weiß"))
    assert paper.reference_price == Decimal("4.15") and paper.unit_code == "RM"
    assert paper.number.startswith("PA-")


def test_office_supplies_is_the_largest_category(db, demo):
    counts = dict(db.execute(
        select(Category.name, func.count(Product.id)).join(Product).group_by(Category.name)
    ).all())
    assert max(counts, key=counts.get) == "Büromaterial"
    assert counts["Büromaterial"] >= 35


@pytest.mark.parametrize("email, ags", [
    ("beschaffung-muelheim-an-der-ruhr@einkauf.example", "05117000"),
    ("beschaffung-koeln@einkauf.example", "05315000"),
    ("beschaffung-duesseldorf@einkauf.example", "05111000"),
    ("beschaffung-muenster@einkauf.example", "05515000"),
    ("beschaffung-aachen@einkauf.example", "05334002"),
])
def test_officer_addresses_are_transliterated_and_bound_to_their_city(db, demo, email, ags):
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    assert user.role == Role.OFFICER
    assert user.member.ags == ags


def test_one_officer_per_city_and_one_account_per_cooperative_role(db, demo):
    users = db.scalars(select(User)).all()
    officers = [u for u in users if u.role == Role.OFFICER]
    assert sorted(u.member.ags for u in officers) == sorted(AGS.values())
    staff = {u.email: (u.role, u.member_id) for u in users if u.role != Role.OFFICER}
    assert staff == {
        "koordination@einkauf.example": (Role.COORDINATOR, None),
        "vergabe@einkauf.example": (Role.COORDINATOR, None),
        "finanzen@einkauf.example": (Role.FINANCE, None),
        "admin@einkauf.example": (Role.ADMIN, None),
    }
    assert [s.email for s in demo.sign_ins][:4] == ["koordination@einkauf.example", "vergabe@einkauf.example",
                                                     "finanzen@einkauf.example", "admin@einkauf.example"]
    assert len(demo.sign_ins) == len(users) == 17


def test_demo_accounts_sign_in_with_the_given_password_only(db, demo):
    user = authenticate(db, "beschaffung-koeln@einkauf.example", PASSWORD, "127.0.0.1")
    assert user.member.name == "Köln"
    assert authenticate(db, "koordination@einkauf.example", PASSWORD, "127.0.0.1").role == Role.COORDINATOR
    with pytest.raises(SignInRefused):
        authenticate(db, "admin@einkauf.example", "einkauf-demo-2027", "127.0.0.1")


def test_round_2027_is_open_until_noon_berlin_two_months_ahead(db, demo):
    demand_round = db.scalar(select(Round).where(Round.code == "2027"))
    assert demand_round.title == "Bedarfsabfrage 2027"
    assert demand_round.status == RoundStatus.OPEN
    assert demand_round.opened_at <= NOW < demand_round.deadline
    assert not demand_round.deadline_passed(NOW)
    local = demand_round.deadline.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (12, 0)
    assert local.date().isoformat() == "2027-01-22"
    assert demand_round.opens_on.year == 2026
    assert (demand_round.contract_term_months, demand_round.extension_months) == (24, 24)
    assert demand_round.max_quantity_buffer_pct == Decimal("20.00")


def test_without_a_given_time_the_deadline_lies_in_the_future(db):
    summary = load_demo(db, PASSWORD)
    assert summary.round_deadline > utcnow()


def _round_2027(db):
    return select(Round.id).where(Round.code == "2027").scalar_subquery()


def test_most_cities_submitted_one_drafts_and_two_have_not_started(db, demo):
    submissions = db.scalars(select(Submission).where(Submission.round_id == _round_2027(db))).all()
    submitted = [s for s in submissions if s.status == SubmissionStatus.SUBMITTED]
    drafts = [s for s in submissions if s.status == SubmissionStatus.DRAFT]
    assert (len(submitted), len(drafts), 13 - len(submissions)) == (10, 1, 2)
    assert (demo.submitted, demo.drafts) == (10, 1)
    for s in submitted:
        assert s.version == 1
        assert s.submitted_at is not None and s.submitted_at <= NOW
        submitter = db.get(User, s.submitted_by_id)
        assert submitter.role == Role.OFFICER and submitter.member_id == s.member_id
    assert drafts[0].submitted_at is None and drafts[0].submitted_by_id is None


def test_demand_lines_use_only_the_members_own_delivery_sites(db, demo):
    total = db.scalar(select(func.count()).select_from(DemandLine)
                      .join(Submission, Submission.id == DemandLine.submission_id)
                      .where(Submission.round_id == _round_2027(db)))
    assert total == demo.demand_lines >= 1000
    foreign = db.scalar(
        select(func.count()).select_from(DemandLine)
        .join(Submission, Submission.id == DemandLine.submission_id)
        .join(DeliverySite, DeliverySite.id == DemandLine.delivery_site_id)
        .where(DeliverySite.member_id != Submission.member_id)
    )
    assert foreign == 0


def test_demand_quantities_are_whole_positive_and_booked_on_cost_centres(db, demo):
    lines = db.scalars(select(DemandLine)).all()
    assert all(isinstance(line.quantity, Decimal) and line.quantity >= 1 for line in lines)
    assert all(line.quantity == line.quantity.to_integral_value() for line in lines)
    assert all(line.cost_centre.startswith("KST-") and line.budget_account.isdigit() for line in lines)


def test_a_big_city_orders_copy_paper_by_the_thousand_ries(db, demo):
    quantity = db.scalar(
        select(func.sum(DemandLine.quantity))
        .join(Submission, Submission.id == DemandLine.submission_id)
        .join(Member, Member.id == Submission.member_id)
        .join(Product, Product.id == DemandLine.product_id)
        .where(Member.name == "Köln", Product.short_text == "Kopierpapier DIN A4, 80 g/m², weiß")
    )
    assert isinstance(quantity, Decimal)
    assert 1000 <= quantity <= 10000


def test_loading_writes_one_audit_event_summarising_the_demo(db, demo):
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "demo.load")).all()
    assert len(events) == 1
    assert "13 Mitglieder" in events[0].summary
    assert events[0].after["demand_lines"] == demo.demand_lines


def test_the_demo_is_refused_when_the_database_holds_data(db, make_member):
    make_member(name="Bestehende Stadt")
    with pytest.raises(InvalidState):
        load_demo(db, PASSWORD, now=NOW)
    assert db.scalar(select(func.count()).select_from(Product)) == 0
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_a_too_short_password_is_refused_before_anything_is_written(db):
    with pytest.raises(ValidationFailed):
        load_demo(db, "kurz", now=NOW)
    assert database_is_empty(db)


def _canonical_dump(db) -> dict:
    demand = db.execute(
        select(Member.ags, Product.number, DeliverySite.name, DemandLine.quantity, DemandLine.cost_centre,
               DemandLine.budget_account, Submission.status, Submission.submitted_at)
        .join(Submission, Submission.id == DemandLine.submission_id)
        .join(Member, Member.id == Submission.member_id)
        .join(Product, Product.id == DemandLine.product_id)
        .join(DeliverySite, DeliverySite.id == DemandLine.delivery_site_id)
        .order_by(Member.ags, Product.number, DeliverySite.name)
    ).all()
    catalogue = db.execute(
        select(Category.name, Category.sort_order, Product.number, Product.short_text, Product.specification,
               Product.unit_code, Product.reference_price, Product.vat_rate)
        .join(Product).order_by(Product.number)
    ).all()
    sites = db.execute(
        select(Member.ags, Member.name, Member.region, DeliverySite.name, DeliverySite.street, DeliverySite.postcode)
        .join(DeliverySite).order_by(Member.ags, DeliverySite.name)
    ).all()
    users = db.execute(select(User.email, User.role, User.member_id.is_(None)).order_by(User.email)).all()
    rounds = db.execute(select(Round.code, Round.opens_on, Round.deadline, Round.opened_at)).all()
    return {"demand": demand, "catalogue": catalogue, "sites": sites, "users": users, "rounds": rounds}


def test_loading_twice_with_the_same_time_gives_identical_data(db):
    dumps = []
    for _ in range(2):
        attempt = db.begin_nested()
        load_demo(db, PASSWORD, now=NOW)
        dumps.append(_canonical_dump(db))
        attempt.rollback()
        assert database_is_empty(db)
    assert len(dumps[0]["demand"]) > 1000
    assert dumps[0] == dumps[1]


# --- the finished tender of the round 2025 (issue 13, part 9) ----------------------------------

def test_the_2025_tender_is_opened_by_two_people_checked_and_every_lot_awarded(db, demo):
    from einkauf.bids.evaluate import evaluate_bids
    from einkauf.bids.models import AwardOutcome, BidLot, BidOpening, CheckDecision, ExclusionReason, LotAward
    from einkauf.tenders.models import Tender

    tender = db.scalar(select(Tender).join(Round).where(Round.code == "2025"))
    assert demo.finished.reference == tender.reference and tender.eu_wide
    assert tender.round.status == RoundStatus.CLOSED
    opening = db.scalar(select(BidOpening).where(BidOpening.tender_id == tender.id))
    assert opening.first_by_label != opening.second_by_label
    assert opening.opened_at > tender.submission_deadline
    assert opening.record["bid_count"] == 4 and opening.record["late_count"] == 0

    excluded = db.scalars(select(BidLot).where(BidLot.decision == CheckDecision.EXCLUDED)).all()
    assert [(b.bid.bidder.name, b.reason_code) for b in excluded] == [("Schreibwaren Krämer e. K.",
                                                                      ExclusionReason.INCOMPLETE)]
    assert not db.scalars(select(BidLot).where(BidLot.decision == CheckDecision.PENDING)).all()

    _tender, evaluation = evaluate_bids(db, tender.id)
    awards = {a.tender_lot_id: a for a in db.scalars(select(LotAward).where(LotAward.tender_id == tender.id))}
    assert len(awards) == len(tender.lots) == len(evaluation.lots) >= 10
    by_number = {lot.number: lot.id for lot in tender.lots}
    winners = set()
    for lot in evaluation.lots:
        award = awards[by_number[lot.lot.number]]
        assert award.outcome == AwardOutcome.AWARDED and award.bid_id == lot.first.bid_id
        assert award.lot_total == lot.first.total  # to the cent, as the Preisspiegel shows it
        assert bool(award.clarification) == lot.first.abnormally_low
        winners.add(lot.first.bidder)
    abnormal = [lot for lot in evaluation.lots if lot.first.abnormally_low]
    assert [lot.first.bidder for lot in abnormal] == ["Office Direkt Nord AG"]
    assert len(winners) >= 3  # not one supplier for everything


def test_the_2025_round_does_not_touch_the_open_round_2027(db, demo):
    from einkauf.tenders.models import Tender

    demand_round = db.scalar(select(Round).where(Round.code == "2027"))
    assert demand_round.status == RoundStatus.OPEN and demand_round.closed_at is None
    assert db.scalar(select(func.count()).select_from(Tender).where(Tender.round_id == demand_round.id)) == 0
