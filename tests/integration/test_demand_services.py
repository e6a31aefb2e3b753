"""The demand services shared by the officer pages, the Excel import and the coordinators:
deadline to the second in Europe/Berlin (R9), optimistic locking (R11), submit and withdraw,
reopening, participation, copying the previous round, tenant isolation (R8), all-or-nothing
and idempotent replacement (R13), and an AuditEvent for every change (R10)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.berlin import berlin_to_utc
from einkauf.demand import queries, services, state
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission, SubmissionStatus
from einkauf.demand.services import LineInput
from einkauf.errors import DeadlinePassed, InvalidState, NotFound, StaleVersion, ValidationFailed
from einkauf.rounds.deadline import extend_deadline
from einkauf.rounds.models import DeliverySite

UTC = UTC
# 12:00 in Berlin on 22 January 2027 is 11:00 UTC (winter time, UTC+1).
WINTER_DEADLINE = berlin_to_utc(date(2027, 1, 22), time(12, 0))
# 12:00 in Berlin on 1 July 2027 is 10:00 UTC (summer time, UTC+2).
SUMMER_DEADLINE = berlin_to_utc(date(2027, 7, 1), time(12, 0))
BEFORE = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def w(db, make_member, make_user, make_category, make_product, make_round):
    """A member with two delivery sites and its officer, another member, two categories of
    products and an open round with the winter deadline."""
    member = make_member(name="Hagen", sites=2)
    other = make_member(name="Hamm", sites=1)
    paper = make_category(name="Druckpapier", sort_order=2)
    office = make_category(name="Büromaterial", sort_order=1)
    products = {
        "pen": make_product(category=office, number="BM-0001", price="0.89"),
        "stapler": make_product(category=office, number="BM-0002", price="12.50"),
        "paper": make_product(category=paper, number="DP-0001", price="3.33"),
    }
    rnd = make_round(code="2027", opened=True, deadline=WINTER_DEADLINE)

    class World:
        pass

    world = World()
    world.member, world.other, world.rnd = member, other, rnd
    world.site, world.site2 = member.delivery_sites
    world.other_site = other.delivery_sites[0]
    world.office, world.paper = office, paper
    world.p = products
    world.officer = make_user("officer", member=member)
    world.other_officer = make_user("officer", member=other)
    world.coordinator = make_user("coordinator")
    return world


def line(w, product="pen", qty="10", site=None, cc="", ba="", note="", origin=""):
    return LineInput(product_id=w.p[product].id, delivery_site_id=(site or w.site).id, quantity=Decimal(qty),
                     cost_centre=cc, budget_account=ba, note=note, origin=origin)


def lines_of(db, submission_id):
    return db.execute(
        select(DemandLine.product_id, DemandLine.delivery_site_id, DemandLine.quantity, DemandLine.cost_centre,
               DemandLine.budget_account, DemandLine.note)
        .where(DemandLine.submission_id == submission_id).order_by(DemandLine.product_id, DemandLine.delivery_site_id)
    ).all()


def events(db, action=None):
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.scalars(stmt))


def save(db, w, lines, *, version=0, category=None, now=BEFORE, actor=None, member=None):
    return services.save_category_lines(db, actor or w.officer, w.rnd, (member or w.member).id,
                                        (category or w.office).id, lines, expected_version=version, now=now)


# --- the deadline, to the second, in Europe/Berlin (R9) ----------------------------------------

def test_the_winter_deadline_is_noon_in_berlin_which_is_eleven_utc():
    assert datetime(2027, 1, 22, 11, 0, tzinfo=UTC) == WINTER_DEADLINE
    assert datetime(2027, 7, 1, 10, 0, tzinfo=UTC) == SUMMER_DEADLINE


def test_a_save_one_second_before_the_deadline_is_accepted(db, w):
    submission = save(db, w, [line(w)], now=WINTER_DEADLINE - timedelta(seconds=1))
    assert len(lines_of(db, submission.id)) == 1


def test_a_save_exactly_at_the_deadline_is_refused(db, w):
    with pytest.raises(DeadlinePassed):
        save(db, w, [line(w)], now=WINTER_DEADLINE)
    assert db.scalar(select(func.count()).select_from(Submission)) == 0


def test_noon_utc_is_already_past_a_noon_berlin_deadline(db, w):
    # 11:30 UTC reads "12:00" for someone who forgets the offset; in Berlin it is 12:30.
    with pytest.raises(DeadlinePassed):
        save(db, w, [line(w)], now=datetime(2027, 1, 22, 11, 30, tzinfo=UTC))
    assert state.is_editable(w.rnd, None, now=datetime(2027, 1, 22, 10, 59, 59, tzinfo=UTC))


def test_in_summer_the_berlin_deadline_is_two_hours_ahead_of_utc(db, w):
    w.rnd.deadline = SUMMER_DEADLINE
    db.flush()
    assert state.is_editable(w.rnd, None, now=datetime(2027, 7, 1, 9, 59, 59, tzinfo=UTC))
    assert not state.is_editable(w.rnd, None, now=datetime(2027, 7, 1, 10, 0, 0, tzinfo=UTC))
    assert state.lock_reason(w.rnd, None, now=datetime(2027, 7, 1, 10, 0, 0, tzinfo=UTC)) == state.LOCK_DEADLINE


def test_submitting_and_withdrawing_stop_at_the_deadline(db, w):
    submission = save(db, w, [line(w)])
    with pytest.raises(DeadlinePassed):
        services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version,
                               now=WINTER_DEADLINE)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version,
                           now=WINTER_DEADLINE - timedelta(seconds=1))
    with pytest.raises(DeadlinePassed):
        services.withdraw_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version,
                                 now=WINTER_DEADLINE)
    assert submission.status == SubmissionStatus.SUBMITTED


def test_a_closed_round_refuses_changes_even_before_its_deadline(db, w):
    w.rnd.closed_at = BEFORE
    db.flush()
    with pytest.raises(InvalidState):
        save(db, w, [line(w)])
    assert state.lock_reason(w.rnd, None, now=BEFORE) == state.LOCK_CLOSED


def test_a_draft_round_is_not_found_for_officers(db, make_round):
    draft = make_round()
    with pytest.raises(NotFound):
        queries.get_open_round(db, draft.id)
    with pytest.raises(NotFound):
        queries.get_open_round(db, 999999)


# --- saving a category page, optimistic locking (R11) -----------------------------------------

def test_the_first_save_creates_the_draft_and_counts_the_version_up(db, w):
    submission = save(db, w, [line(w, qty="10", site=w.site), line(w, qty="5,5".replace(",", "."), site=w.site2)])
    assert submission.status == SubmissionStatus.DRAFT
    assert submission.version == 2  # created with 1, claimed by the save
    rows = lines_of(db, submission.id)
    assert [r.quantity for r in rows] == [Decimal("10.000"), Decimal("5.500")]


def test_a_save_replaces_only_the_lines_of_its_category(db, w):
    submission = save(db, w, [line(w, "paper", "100")], category=w.paper)
    save(db, w, [line(w, "pen", "10")], version=submission.version)
    save(db, w, [line(w, "stapler", "2")], version=submission.version)
    rows = lines_of(db, submission.id)
    assert {(r.product_id, r.quantity) for r in rows} == {(w.p["paper"].id, Decimal("100.000")),
                                                          (w.p["stapler"].id, Decimal("2.000"))}


def test_a_stale_version_is_refused_and_changes_nothing(db, w):
    submission = save(db, w, [line(w, qty="10")])
    stale = submission.version
    save(db, w, [line(w, qty="20")], version=stale)
    with pytest.raises(StaleVersion) as caught:
        save(db, w, [line(w, qty="30")], version=stale)
    assert "Ihre Eingaben" in caught.value.message
    assert [r.quantity for r in lines_of(db, submission.id)] == [Decimal("20.000")]
    assert submission.version == stale + 1


def test_a_page_loaded_before_the_draft_existed_is_stale_once_it_exists(db, w):
    save(db, w, [line(w, qty="10")], version=0)
    with pytest.raises(StaleVersion):
        save(db, w, [line(w, qty="99")], version=0)


def test_a_version_for_a_submission_that_does_not_exist_is_stale(db, w):
    with pytest.raises(StaleVersion):
        save(db, w, [line(w)], version=5)
    assert db.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_concurrent_update_between_read_and_write_is_caught_by_the_conditional_update(db, w):
    submission = save(db, w, [line(w, qty="10")])
    version = submission.version
    # Someone else saved in the meantime; this session still holds the old version in memory.
    db.execute(Submission.__table__.update().where(Submission.id == submission.id).values(version=version + 1))
    with pytest.raises(StaleVersion):
        save(db, w, [line(w, qty="99")], version=version)
    assert [r.quantity for r in lines_of(db, submission.id)] == [Decimal("10.000")]


def test_zero_quantities_are_no_lines(db, w):
    submission = save(db, w, [line(w, qty="0"), line(w, "stapler", "1")])
    assert [r.product_id for r in lines_of(db, submission.id)] == [w.p["stapler"].id]


@pytest.mark.parametrize(("bad", "field"), [
    ({"qty": "-1"}, "quantity"),
    ({"qty": "1.0005"}, "quantity"),
    ({"qty": "1000000000"}, "quantity"),
    ({"cc": "=HYPERLINK(1)"}, "cost_centre"),
    ({"ba": "x" * 41}, "budget_account"),
    ({"note": "x" * 501}, "note"),
])
def test_invalid_lines_are_reported_with_their_origin_and_nothing_is_saved(db, w, bad, field):
    submission = save(db, w, [line(w, qty="10")])
    with pytest.raises(services.InvalidLines) as caught:
        save(db, w, [line(w, "stapler", "1", origin="l-2-0"), line(w, origin="l-1-0", **bad)],
             version=submission.version)
    assert [(p.origin, p.field) for p in caught.value.problems] == [("l-1-0", field)]
    assert [r.quantity for r in lines_of(db, submission.id)] == [Decimal("10.000")]


def test_a_nan_or_infinite_quantity_is_refused(db, w):
    for value in ("NaN", "Infinity", "sNaN"):
        with pytest.raises(services.InvalidLines):
            save(db, w, [LineInput(product_id=w.p["pen"].id, delivery_site_id=w.site.id, quantity=Decimal(value))])


def test_duplicate_lines_for_the_same_site_and_accounts_must_be_merged(db, w):
    with pytest.raises(services.InvalidLines) as caught:
        save(db, w, [line(w, qty="1", cc="KST-1"), line(w, qty="2", cc="KST-1", origin="l-1-1")])
    assert caught.value.problems[0].origin == "l-1-1"
    # Another cost centre is another line.
    submission = save(db, w, [line(w, qty="1", cc="KST-1"), line(w, qty="2", cc="KST-2")])
    assert len(lines_of(db, submission.id)) == 2


def test_an_inactive_product_or_site_cannot_get_new_lines(db, w):
    w.p["pen"].active = False
    db.flush()
    with pytest.raises(services.InvalidLines):
        save(db, w, [line(w, "pen")])
    w.site2.active = False
    db.flush()
    with pytest.raises(services.InvalidLines) as caught:
        save(db, w, [line(w, "stapler", site=w.site2)])
    assert "nicht mehr aktiv" in caught.value.problems[0].message


# --- tenant isolation (R8) --------------------------------------------------------------------

def test_a_delivery_site_of_another_member_is_refused(db, w):
    with pytest.raises(services.InvalidLines) as caught:
        save(db, w, [line(w, site=w.other_site)])
    assert caught.value.problems[0].field == "delivery_site"
    assert db.scalar(select(func.count()).select_from(DemandLine)) == 0


def test_a_product_of_another_category_is_refused_on_a_category_page(db, w):
    with pytest.raises(services.InvalidLines) as caught:
        save(db, w, [line(w, "paper")], category=w.office)
    assert caught.value.problems[0].field == "product"


def test_one_members_save_leaves_the_other_members_lines_alone(db, w):
    theirs = save(db, w, [line(w, qty="7", site=w.other_site)], actor=w.other_officer, member=w.other)
    ours = save(db, w, [line(w, qty="1")])
    save(db, w, [], version=ours.version)
    assert ours.id != theirs.id
    assert [r.quantity for r in lines_of(db, theirs.id)] == [Decimal("7.000")]
    assert lines_of(db, ours.id) == []


def test_read_models_show_only_the_members_own_submission(db, w):
    save(db, w, [line(w, qty="7", site=w.other_site)], actor=w.other_officer, member=w.other)
    ours = queries.submission_overview(db, w.rnd, w.member.id, now=BEFORE)
    assert ours.submission is None and ours.totals.lines == 0
    entry = queries.category_entry(db, w.rnd, w.member.id, w.office.id)
    assert entry.submission is None and entry.lines == {}
    assert {s.id for s in entry.sites} == {w.site.id, w.site2.id}
    summaries = queries.officer_round_summaries(db, w.member.id, now=BEFORE)
    assert [s.submission for s in summaries] == [None]
    theirs = queries.officer_round_summaries(db, w.other.id, now=BEFORE)
    assert theirs[0].totals.lines == 1


def test_an_unknown_category_is_not_found(db, w):
    with pytest.raises(NotFound):
        queries.category_entry(db, w.rnd, w.member.id, 999999)
    with pytest.raises(NotFound):
        save(db, w, [], category=type("C", (), {"id": 999999})())


# --- submit and withdraw ----------------------------------------------------------------------

def test_submitting_records_when_and_who_and_writes_an_audit_event(db, w):
    submission = save(db, w, [line(w, qty="3"), line(w, "stapler", "2")])
    at = BEFORE + timedelta(hours=1)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=at)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_at == at and submission.submitted_by_id == w.officer.id
    event = events(db, "submission.submit")[-1]
    assert event.member_id == w.member.id and event.actor_id == w.officer.id
    assert event.before == {"status": "draft"}
    assert event.after["status"] == "submitted" and event.after["lines"] == 2
    assert event.after["estimated_value"] == "27.67"  # 3 × 0,89 + 2 × 12,50


def test_a_submitted_demand_cannot_be_changed_until_it_is_withdrawn(db, w):
    submission = save(db, w, [line(w)])
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    with pytest.raises(InvalidState):
        save(db, w, [line(w, qty="1")], version=submission.version)
    assert state.lock_reason(w.rnd, submission, now=BEFORE) == state.LOCK_SUBMITTED
    assert state.can_withdraw(w.rnd, submission, now=BEFORE)
    services.withdraw_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    assert submission.status == SubmissionStatus.DRAFT
    assert events(db, "submission.withdraw")[-1].after == {"status": "draft"}
    save(db, w, [line(w, qty="1")], version=submission.version)


def test_submitting_twice_is_refused(db, w):
    submission = save(db, w, [line(w)])
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    with pytest.raises(InvalidState):
        services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    assert len(events(db, "submission.submit")) == 1


def test_submitting_from_a_stale_page_is_refused(db, w):
    submission = save(db, w, [line(w)])
    with pytest.raises(StaleVersion):
        services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version - 1,
                               now=BEFORE)
    assert submission.status == SubmissionStatus.DRAFT


def test_withdrawing_a_draft_is_refused(db, w):
    save(db, w, [line(w)])
    with pytest.raises(InvalidState):
        services.withdraw_demand(db, w.officer, w.rnd, w.member.id, expected_version=None, now=BEFORE)


def test_a_member_without_lines_may_submit_no_demand(db, w):
    submission = services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=0, now=BEFORE)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert queries.submission_totals(db, submission.id).lines == 0


# --- reopening after the deadline ------------------------------------------------------------

def test_a_reopened_submission_is_editable_until_the_new_moment_to_the_second(db, w):
    submission = save(db, w, [line(w)])
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    after = WINTER_DEADLINE + timedelta(days=1)
    until = WINTER_DEADLINE + timedelta(days=3)
    with pytest.raises(DeadlinePassed):
        save(db, w, [line(w, qty="2")], version=submission.version, now=after)
    services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason="Nachmeldung Schulamt",
                               until=until, now=after)
    assert submission.status == SubmissionStatus.DRAFT and submission.editable_until() == until
    assert state.lock_reason(w.rnd, submission, now=after) is None
    save(db, w, [line(w, qty="2")], version=submission.version, now=until - timedelta(seconds=1))
    with pytest.raises(DeadlinePassed):
        save(db, w, [line(w, qty="3")], version=submission.version, now=until)
    event = events(db, "submission.reopen")[-1]
    assert event.actor_id == w.coordinator.id and event.after["reason"] == "Nachmeldung Schulamt"


def test_a_reopening_that_ends_before_the_deadline_does_not_shorten_it(db, w):
    submission = save(db, w, [line(w)])
    submission.reopened_until = WINTER_DEADLINE - timedelta(days=1)
    assert submission.editable_until() == WINTER_DEADLINE


@pytest.mark.parametrize("reason", ["", "kurz", "x" * 501])
def test_reopening_needs_a_real_reason(db, w, reason):
    with pytest.raises(ValidationFailed):
        services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason=reason,
                                   until=WINTER_DEADLINE + timedelta(days=2), now=WINTER_DEADLINE)


def test_reopening_must_end_in_the_future(db, w):
    with pytest.raises(ValidationFailed):
        services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason="Nachmeldung",
                                   until=WINTER_DEADLINE, now=WINTER_DEADLINE + timedelta(hours=1))


def test_extending_the_deadline_moves_it_later_only(db, w):
    with pytest.raises(ValidationFailed):
        extend_deadline(db, w.coordinator, w.rnd, WINTER_DEADLINE - timedelta(hours=1), now=BEFORE)
    later = WINTER_DEADLINE + timedelta(days=7)
    extend_deadline(db, w.coordinator, w.rnd, later, now=BEFORE)
    assert w.rnd.deadline == later
    assert state.is_editable(w.rnd, None, now=WINTER_DEADLINE + timedelta(days=1))
    assert events(db, "round.extend")[-1].entity_id == str(w.rnd.id)


# --- participation ----------------------------------------------------------------------------

def test_leaving_a_category_removes_its_lines_and_is_audited(db, w):
    submission = save(db, w, [line(w, "pen", "1"), line(w, "stapler", "2")])
    save(db, w, [line(w, "paper", "3")], category=w.paper, version=submission.version)
    services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=False,
                               expected_version=submission.version, now=BEFORE)
    assert [r.product_id for r in lines_of(db, submission.id)] == [w.p["paper"].id]
    assert queries.excluded_category_ids(db, submission.id) == {w.office.id}
    event = events(db, "submission.update")[-1]
    assert event.member_id == w.member.id
    assert event.before == {"participates": True, "lines": 2} and event.after == {"participates": False, "lines": 0}
    overview = queries.submission_overview(db, w.rnd, w.member.id, now=BEFORE)
    assert [(c.category.name, c.participates) for c in overview.categories] == [("Büromaterial", False),
                                                                                 ("Druckpapier", True)]


def test_taking_part_again_keeps_other_lines(db, w):
    submission = save(db, w, [line(w, "paper", "3")], category=w.paper)
    services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=False,
                               expected_version=submission.version, now=BEFORE)
    services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=True,
                               expected_version=submission.version, now=BEFORE)
    assert queries.excluded_category_ids(db, submission.id) == set()
    assert len(lines_of(db, submission.id)) == 1


def test_asking_for_the_current_participation_changes_nothing(db, w):
    submission = save(db, w, [line(w, "pen", "1")])
    version = submission.version
    before = len(events(db))
    services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=True,
                               expected_version=version - 1, now=BEFORE)
    assert submission.version == version and len(events(db)) == before
    assert len(lines_of(db, submission.id)) == 1


def test_leaving_a_category_before_any_line_creates_the_draft(db, w):
    submission = services.set_participation(db, w.officer, w.rnd, w.member.id, w.paper.id, participates=False,
                                            expected_version=0, now=BEFORE)
    assert submission is not None
    assert db.get(CategoryExclusion, (submission.id, w.paper.id)) is not None


def test_participation_from_a_stale_page_or_after_the_deadline_is_refused(db, w):
    submission = save(db, w, [line(w, "pen", "1")])
    with pytest.raises(StaleVersion):
        services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=False,
                                   expected_version=submission.version - 1, now=BEFORE)
    with pytest.raises(DeadlinePassed):
        services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=False,
                                   expected_version=submission.version, now=WINTER_DEADLINE)
    assert len(lines_of(db, submission.id)) == 1


def test_saving_lines_of_a_left_category_takes_part_again(db, w):
    submission = services.set_participation(db, w.officer, w.rnd, w.member.id, w.office.id, participates=False,
                                            expected_version=0, now=BEFORE)
    save(db, w, [line(w, "pen", "1")], version=submission.version)
    assert queries.excluded_category_ids(db, submission.id) == set()


# --- copying the previous round ---------------------------------------------------------------

@pytest.fixture
def previous(db, w, make_round):
    """Last year's round with the member's submitted lines (one of a product now inactive)."""
    old = make_round(code="2026", opened=True, closed=True, deadline=datetime(2026, 1, 22, 11, tzinfo=UTC))
    old.opens_on = date(2025, 11, 1)
    w.rnd.opens_on = date(2026, 11, 2)
    submission = Submission(round_id=old.id, member_id=w.member.id, status=SubmissionStatus.SUBMITTED)
    db.add(submission)
    db.flush()
    db.add_all([
        DemandLine(submission_id=submission.id, product_id=w.p["pen"].id, delivery_site_id=w.site.id,
                   quantity=Decimal("100"), cost_centre="KST-1", budget_account="54311", note="blau"),
        DemandLine(submission_id=submission.id, product_id=w.p["paper"].id, delivery_site_id=w.site2.id,
                   quantity=Decimal("12.5")),
        DemandLine(submission_id=submission.id, product_id=w.p["stapler"].id, delivery_site_id=w.site.id,
                   quantity=Decimal("3")),
    ])
    w.p["stapler"].active = False
    db.flush()
    return old


def test_copying_takes_over_the_previous_rounds_active_lines(db, w, previous):
    assert queries.previous_submission(db, w.rnd, w.member.id).round_id == previous.id
    submission, count = services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=0,
                                                     now=BEFORE)
    assert count == 2
    assert lines_of(db, submission.id) == [
        (w.p["pen"].id, w.site.id, Decimal("100.000"), "KST-1", "54311", "blau"),
        (w.p["paper"].id, w.site2.id, Decimal("12.500"), "", "", ""),
    ]
    event = events(db, "submission.import")[-1]
    assert event.after["source"] == "Übernahme aus 2026" and event.member_id == w.member.id


def test_copying_replaces_the_current_lines_and_twice_gives_the_same_state(db, w, previous):
    submission = save(db, w, [line(w, "pen", "1", site=w.site2)])
    services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    first = lines_of(db, submission.id)
    services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    assert lines_of(db, submission.id) == first and len(first) == 2


def test_copying_from_a_stale_page_is_refused(db, w, previous):
    submission = save(db, w, [line(w, "pen", "1")])
    with pytest.raises(StaleVersion):
        services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=submission.version - 1,
                                     now=BEFORE)
    assert len(lines_of(db, submission.id)) == 1


def test_copying_without_a_previous_round_is_explained(db, w):
    with pytest.raises(InvalidState) as caught:
        services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=0, now=BEFORE)
    assert "keine frühere Bedarfsmeldung" in caught.value.message


def test_another_members_previous_round_is_never_copied(db, w, previous):
    assert queries.previous_submission(db, w.rnd, w.other.id) is None
    with pytest.raises(InvalidState):
        services.copy_previous_round(db, w.other_officer, w.rnd, w.other.id, expected_version=0, now=BEFORE)


# --- replacing all draft lines (Excel import): all or nothing, idempotent ----------------------

def test_replacing_the_same_lines_twice_gives_the_same_state(db, w):
    lines = [line(w, "pen", "10", cc="KST-1"), line(w, "paper", "2,5".replace(",", "."), site=w.site2)]
    submission = services.replace_draft_lines(db, w.officer, w.rnd, w.member.id, lines, sha256="ab" * 32, now=BEFORE)
    first = lines_of(db, submission.id)
    services.replace_draft_lines(db, w.officer, w.rnd, w.member.id, lines, sha256="ab" * 32, now=BEFORE)
    assert lines_of(db, submission.id) == first and len(first) == 2
    first_import, second_import = events(db, "submission.import")
    assert first_import.after["sha256"] == "ab" * 32 and first_import.after["lines"] == 2
    assert second_import.after["sha256"] == "ab" * 32  # recorded again, although nothing changed


def test_one_bad_line_imports_nothing(db, w):
    submission = save(db, w, [line(w, "pen", "1")])
    with pytest.raises(services.InvalidLines):
        services.replace_draft_lines(db, w.officer, w.rnd, w.member.id,
                                     [line(w, "paper", "5"), line(w, "pen", "2", site=w.other_site)], now=BEFORE)
    assert [r.quantity for r in lines_of(db, submission.id)] == [Decimal("1.000")]


def test_an_import_brings_a_left_category_back(db, w):
    submission = services.set_participation(db, w.officer, w.rnd, w.member.id, w.paper.id, participates=False,
                                            expected_version=0, now=BEFORE)
    services.replace_draft_lines(db, w.officer, w.rnd, w.member.id, [line(w, "paper", "5")], now=BEFORE)
    assert queries.excluded_category_ids(db, submission.id) == set()


# --- totals and read models -------------------------------------------------------------------

def test_totals_are_sums_of_rounded_line_values_per_category(db, w):
    # 0,89 × 1,5 = 1,335 → 1,34 each; three such lines are 4,02, not round(4,005) = 4,01.
    submission = save(db, w, [line(w, "pen", "1.5", site=w.site), line(w, "pen", "1.5", site=w.site2),
                              line(w, "pen", "1.5", site=w.site, cc="KST-9")])
    save(db, w, [line(w, "paper", "3")], category=w.paper, version=submission.version)
    totals = queries.submission_totals(db, submission.id)
    assert totals.by_category[w.office.id] == (3, Decimal("4.02"))
    assert totals.by_category[w.paper.id] == (1, Decimal("9.99"))
    assert totals.lines == 4 and totals.estimated_value == Decimal("14.01")


def test_the_overview_lists_categories_in_lot_order_with_their_values(db, w, make_category):
    hidden = make_category(name="Alt", sort_order=0)
    hidden.active = False
    submission = save(db, w, [line(w, "stapler", "2")])
    overview = queries.submission_overview(db, w.rnd, w.member.id, now=BEFORE)
    assert [c.category.name for c in overview.categories] == ["Büromaterial", "Druckpapier"]
    office = overview.categories[0]
    assert (office.products, office.lines, office.value) == (2, 1, Decimal("25.00"))
    assert overview.version == submission.version and overview.lock is None and not overview.can_withdraw


def test_the_category_entry_groups_lines_by_product_and_sets_aside_retired_products(db, w):
    submission = save(db, w, [line(w, "pen", "1", site=w.site), line(w, "pen", "2", site=w.site2),
                              line(w, "stapler", "3")])
    w.p["stapler"].active = False
    db.flush()
    entry = queries.category_entry(db, w.rnd, w.member.id, w.office.id)
    assert [p.number for p in entry.products] == ["BM-0001"]
    assert [line.quantity for line in entry.lines[w.p["pen"].id]] == [Decimal("1.000"), Decimal("2.000")]
    assert [line.product.number for line in entry.retired_lines] == ["BM-0002"]
    assert entry.version == submission.version and entry.participates


def test_an_inactive_site_still_used_by_a_line_is_offered_so_the_line_can_be_seen(db, w):
    save(db, w, [line(w, "pen", "1", site=w.site2)])
    w.site2.active = False
    db.add(DeliverySite(member_id=w.member.id, name="Geschlossen", active=False))
    db.flush()
    entry = queries.category_entry(db, w.rnd, w.member.id, w.office.id)
    assert [s.name for s in entry.sites] == ["Rathaus 1", "Rathaus 2"]


def test_the_start_page_rows_show_open_rounds_first_with_who_submitted(db, w, make_round, make_user):
    closed = make_round(code="2026", opened=True, closed=True, deadline=datetime(2026, 1, 22, 11, tzinfo=UTC))
    w.officer.name = "Erika Muster"
    submission = save(db, w, [line(w)])
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    rows = queries.officer_round_summaries(db, w.member.id, now=BEFORE)
    assert [r.round.code for r in rows] == ["2027", closed.code]
    assert rows[0].submitted_by == "Erika Muster" and rows[0].totals.lines == 1
    assert rows[0].lock == state.LOCK_SUBMITTED and rows[1].lock == state.LOCK_CLOSED


def test_a_reopened_submission_is_marked_on_the_start_page(db, w):
    submission = save(db, w, [line(w)])
    services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason="Nachmeldung",
                               until=WINTER_DEADLINE + timedelta(days=2), now=WINTER_DEADLINE + timedelta(hours=1))
    row = queries.officer_round_summaries(db, w.member.id, now=WINTER_DEADLINE + timedelta(hours=2))[0]
    assert row.reopened and row.editable_until == WINTER_DEADLINE + timedelta(days=2) and row.lock is None
    assert submission.reopen_reason == "Nachmeldung"


# --- audit (R10) ------------------------------------------------------------------------------

def test_every_change_of_a_submission_writes_an_audit_event_for_the_member(db, w, previous):
    submission = save(db, w, [line(w, "pen", "1")])
    services.set_participation(db, w.officer, w.rnd, w.member.id, w.paper.id, participates=False,
                               expected_version=submission.version, now=BEFORE)
    services.copy_previous_round(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    services.withdraw_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version, now=BEFORE)
    actions = [e.action for e in events(db) if e.entity_type == "submission"]
    assert actions == ["submission.create", "submission.update", "submission.update", "submission.import",
                       "submission.submit", "submission.withdraw"]
    assert {e.member_id for e in events(db) if e.entity_type == "submission"} == {w.member.id}
    assert {e.entity_id for e in events(db) if e.entity_type == "submission"} == {str(submission.id)}


def test_a_refused_change_writes_no_audit_event(db, w):
    submission = save(db, w, [line(w, "pen", "1")])
    before = len(events(db))
    with pytest.raises(StaleVersion):
        save(db, w, [line(w, "pen", "2")], version=submission.version - 1)
    with pytest.raises(services.InvalidLines):
        save(db, w, [line(w, "pen", "2", site=w.other_site)], version=submission.version)
    with pytest.raises(DeadlinePassed):
        save(db, w, [line(w, "pen", "2")], version=submission.version, now=WINTER_DEADLINE)
    assert len(events(db)) == before
