"""The coordinator's round overview, reopening a submission and extending the deadline,
on SQLite and PostgreSQL: numbers exact to the cent, statuses, the missing list, refusals."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand import coordination
from einkauf.demand.coordination import DRAFT, NO_SUBMISSION, REOPENED, SUBMITTED, round_overview
from einkauf.demand.models import Submission, SubmissionStatus
from einkauf.demand.services import reopen_submission
from einkauf.demand.state import is_editable
from einkauf.errors import InvalidState, StaleVersion, ValidationFailed
from einkauf.money import line_value
from einkauf.rounds.deadline import default_extension, extend_round_deadline

UTC = UTC


@pytest.fixture
def open_round(make_round, now):
    return make_round(code="K1", opened=True, deadline=now + timedelta(days=10))


def events(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- numbers ---------------------------------------------------------------------------------

def test_values_are_sums_of_rounded_line_values_exact_to_the_cent(db, open_round, make_member, make_product,
                                                                  make_user, add_submission, now):
    prices = ["0.33", "33.33", "0.07", "1.99", "0.01", "12345.67"]
    products = [make_product(price=p) for p in prices]
    quantities = {
        "Aachen": ["2.5", "3", "0.333", "1.005", "7.777", "0.001"],
        "Bochum": ["10", "0.5", "0.015", "3.335", "999.999", "1.5"],
        "Essen": ["0.125", "0.375", "0.625", "0.875", "0.005", "0.002"],
    }
    expected = {}
    for name, amounts in quantities.items():
        member = make_member(name=name)
        officer = make_user("officer", member=member)
        add_submission(open_round, member, list(zip(products, amounts, strict=False)), by=officer, at=now)
        expected[name] = sum(
            (line_value(Decimal(q), Decimal(p)) for q, p in zip(amounts, prices, strict=False)), Decimal("0.00")
        )

    overview = round_overview(db, open_round, now=now)
    by_name = {m.name: m for m in overview.members}
    for name, value in expected.items():
        assert by_name[name].estimated_value == value, name
        assert by_name[name].lines == 6
    assert overview.estimated_value == sum(expected.values())
    assert overview.submitted_value == sum(expected.values())
    assert overview.lines == overview.submitted_lines == 18
    # The sum of rounded line values, not the rounded sum of exact products (R1):
    assert line_value(Decimal("0.015"), Decimal("0.33")) == Decimal("0.00")
    assert isinstance(overview.estimated_value, Decimal)


def test_ten_times_ten_cents_is_one_euro_and_three_times_33_33_is_99_99(db, open_round, make_member, make_product,
                                                                       add_submission, now):
    ten_cents, third = make_product(price="0.10"), make_product(price="33.33")
    member = make_member(name="Hamm")
    add_submission(open_round, member, [(ten_cents, "10"), (third, "3")], at=now)
    row = round_overview(db, open_round, now=now).members[0]
    assert row.estimated_value == Decimal("100.99")


def test_drafts_count_in_the_table_total_but_not_in_the_submitted_total(db, open_round, make_member, make_product,
                                                                        add_submission, now):
    product = make_product(price="0.33")
    add_submission(open_round, make_member(name="A"), [(product, "3")], at=now)
    add_submission(open_round, make_member(name="B"), [(product, "1.5")], status=SubmissionStatus.DRAFT)
    overview = round_overview(db, open_round, now=now)
    assert overview.estimated_value == Decimal("0.99") + Decimal("0.50")
    assert overview.submitted_value == Decimal("0.99")
    assert (overview.lines, overview.submitted_lines) == (2, 1)


def test_demand_of_other_rounds_is_not_counted(db, open_round, make_round, make_member, make_product,
                                               add_submission, now):
    product = make_product(price="2.00")
    member = make_member(name="Köln")
    earlier = make_round(code="K0", closed=True)
    add_submission(earlier, member, [(product, "100")], at=now)
    add_submission(open_round, member, [(product, "1")], at=now)
    overview = round_overview(db, open_round, now=now)
    assert [(m.name, m.lines, m.estimated_value) for m in overview.members] == [("Köln", 1, Decimal("2.00"))]


# --- statuses --------------------------------------------------------------------------------

def test_each_member_has_its_status_and_submitter(db, open_round, make_member, make_product, make_user,
                                                  add_submission, coordinator, now):
    product = make_product(price="1.00")
    members = {name: make_member(name=name) for name in ("Aachen", "Bochum", "Dortmund", "Essen", "Hagen")}
    officer = make_user("officer", member=members["Aachen"], email="einkauf@aachen.example")
    add_submission(open_round, members["Aachen"], [(product, "1")], by=officer, at=now - timedelta(hours=2))
    add_submission(open_round, members["Bochum"], [(product, "2")], status=SubmissionStatus.DRAFT)
    add_submission(open_round, members["Dortmund"], [(product, "3")])
    reopen_submission(db, coordinator, open_round, members["Dortmund"].id, reason="Nachmeldung Schulamt",
                      until=now + timedelta(days=20), now=now)
    add_submission(open_round, members["Hagen"], [], status=SubmissionStatus.DRAFT)

    rows = {m.name: m for m in round_overview(db, open_round, now=now).members}
    assert {name: row.status for name, row in rows.items()} == {
        "Aachen": SUBMITTED, "Bochum": DRAFT, "Dortmund": REOPENED, "Essen": NO_SUBMISSION, "Hagen": DRAFT}
    assert rows["Aachen"].submitted_by == "einkauf@aachen.example"
    assert rows["Aachen"].submitted_at == now - timedelta(hours=2)
    assert rows["Bochum"].submitted_at is None and rows["Bochum"].submitted_by is None
    assert rows["Dortmund"].reopened_until == now + timedelta(days=20)
    assert rows["Dortmund"].reopen_reason == "Nachmeldung Schulamt"
    assert rows["Dortmund"].reopened_by == coordinator.email
    assert rows["Dortmund"].submitted_at is None  # back to draft until it is handed in again
    assert (rows["Essen"].lines, rows["Essen"].estimated_value) == (0, Decimal("0.00"))
    assert (rows["Hagen"].lines, rows["Hagen"].estimated_value) == (0, Decimal("0.00"))


def test_a_reopened_submission_reads_as_draft_once_its_new_deadline_has_passed(db, late_round, make_member,
                                                                               add_submission, coordinator, now):
    member = make_member(name="Hamm")
    add_submission(late_round, member)
    reopen_submission(db, coordinator, late_round, member.id, reason="Korrektur Mengen", until=now + timedelta(days=2),
                      now=now)
    assert round_overview(db, late_round, now=now + timedelta(days=1)).members[0].status == REOPENED
    later = round_overview(db, late_round, now=now + timedelta(days=3)).members[0]
    assert later.status == DRAFT and later.reopen_reason == "Korrektur Mengen"


def test_a_reopening_overtaken_by_a_longer_round_deadline_reads_as_draft(db, open_round, make_member,
                                                                          add_submission, coordinator, now):
    member = make_member(name="Bochum")
    add_submission(open_round, member)
    reopen_submission(db, coordinator, open_round, member.id, reason="Korrektur Mengen",
                      until=open_round.deadline - timedelta(days=1), now=now)
    row = round_overview(db, open_round, now=now).members[0]
    assert row.status == DRAFT and row.reopen_reason == "Korrektur Mengen"


def test_a_submission_handed_in_again_after_reopening_is_submitted_and_keeps_the_reason(
        db, open_round, make_member, add_submission, coordinator, now):
    member = make_member(name="Essen")
    submission = add_submission(open_round, member)
    reopen_submission(db, coordinator, open_round, member.id, reason="Nachtrag Kita", until=now + timedelta(days=2),
                      now=now)
    submission.status, submission.submitted_at = SubmissionStatus.SUBMITTED, now + timedelta(hours=1)
    db.flush()
    row = round_overview(db, open_round, now=now + timedelta(hours=2)).members[0]
    assert row.status == SUBMITTED and row.reopen_reason == "Nachtrag Kita"


def test_inactive_members_appear_only_when_they_have_a_submission(db, open_round, make_member, add_submission, now):
    make_member(name="Aktiv")
    gone = make_member(name="Ausgetreten")
    gone.active = False
    left_with_demand = make_member(name="Ausgetreten mit Bedarf")
    add_submission(open_round, left_with_demand)
    left_with_demand.active = False
    db.flush()
    overview = round_overview(db, open_round, now=now)
    assert [m.name for m in overview.members] == ["Aktiv", "Ausgetreten mit Bedarf"]
    assert [m.name for m in overview.missing] == ["Aktiv"]


# --- missing members ---------------------------------------------------------------------------

def test_missing_members_are_listed_with_their_active_officers_addresses(db, open_round, make_member, make_user,
                                                                         add_submission, now):
    done, draft, none, _nobody = (make_member(name=n) for n in ("Bielefeld", "Hagen", "Hamm", "Mülheim an der Ruhr"))
    make_user("officer", member=done, email="beschaffung@bielefeld.example")
    add_submission(open_round, done)
    add_submission(open_round, draft, status=SubmissionStatus.DRAFT)
    make_user("officer", member=draft, email="vergabe@hagen.example")
    make_user("officer", member=none, email="b@hamm.example")
    make_user("officer", member=none, email="a@hamm.example")
    make_user("officer", member=none, email="alt@hamm.example", active=False)
    make_user("finance", member=none, email="kasse@hamm.example")
    make_user("coordinator", email="koordination@einkauf.example")

    overview = round_overview(db, open_round, now=now)
    assert [(m.name, m.status, m.emails) for m in overview.missing] == [
        ("Hagen", DRAFT, ("vergabe@hagen.example",)),
        ("Hamm", NO_SUBMISSION, ("a@hamm.example", "b@hamm.example")),
        ("Mülheim an der Ruhr", NO_SUBMISSION, ()),
    ]
    assert overview.missing_emails_text == "vergabe@hagen.example; a@hamm.example; b@hamm.example"
    assert overview.missing_names_text == "Hagen\nHamm\nMülheim an der Ruhr"
    assert [m.name for m in overview.missing_without_officer] == ["Mülheim an der Ruhr"]
    assert (overview.submitted_count, overview.member_count, overview.draft_count) == (1, 4, 1)


def test_nobody_is_missing_when_everyone_has_submitted(db, open_round, make_member, add_submission, now):
    add_submission(open_round, make_member(name="Essen"))
    overview = round_overview(db, open_round, now=now)
    assert overview.missing == [] and overview.missing_emails_text == ""


def test_the_overview_of_400_members_takes_two_queries(db, connection, open_round, make_member, make_product,
                                                       make_user, add_submission, now):
    products = [make_product(price="0.33"), make_product(price="1.07")]
    for n in range(400):
        member = make_member(name=f"Gemeinde {n:03d}")
        make_user("officer", member=member)
        if n % 4:
            add_submission(open_round, member, [(products[0], "1.5"), (products[1], "2.25")],
                           status=SubmissionStatus.SUBMITTED if n % 2 else SubmissionStatus.DRAFT)
    db.flush()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        overview = round_overview(db, open_round, now=now)
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert len(statements) == 2, statements
    assert overview.member_count == 400
    assert overview.submitted_count == 200
    assert len(overview.missing) == 200 and all(len(m.emails) == 1 for m in overview.missing)
    assert overview.lines == 600
    assert overview.estimated_value == 300 * (line_value(Decimal("1.5"), Decimal("0.33"))
                                              + line_value(Decimal("2.25"), Decimal("1.07")))


# --- reopening -----------------------------------------------------------------------------------

@pytest.fixture
def late_round(make_round, now):
    """An open round whose deadline has passed."""
    return make_round(code="SPAET", opened=True, deadline=now - timedelta(days=1))


def test_a_reopened_member_may_change_until_its_own_deadline_while_others_may_not(db, late_round, make_member,
                                                                                   add_submission, coordinator, now):
    reopened, other = make_member(name="Hagen"), make_member(name="Hamm")
    add_submission(late_round, reopened)
    add_submission(late_round, other)
    submission = reopen_submission(db, coordinator, late_round, reopened.id, reason="Telefonat mit Frau M.",
                                   until=now + timedelta(days=7), now=now)
    assert submission.status == SubmissionStatus.DRAFT
    assert is_editable(late_round, submission, now)
    assert not is_editable(late_round, submission, now + timedelta(days=8))
    other_submission = db.scalar(select(Submission).where(Submission.member_id == other.id))
    assert not is_editable(late_round, other_submission, now)


def test_reopening_is_audited_with_the_reason_and_before_and_after(db, late_round, make_member, add_submission,
                                                                  coordinator, now):
    member = make_member(name="Hagen")
    add_submission(late_round, member)
    until = now + timedelta(days=7)
    reopen_submission(db, coordinator, late_round, member.id, reason="Nachmeldung Feuerwehr", until=until, now=now)
    (event_row,) = events(db, "submission.reopen")
    assert "Nachmeldung Feuerwehr" in event_row.summary
    assert event_row.actor_id == coordinator.id and event_row.member_id == member.id
    assert event_row.before["status"] == "submitted"
    assert event_row.after["status"] == "draft" and event_row.after["reason"] == "Nachmeldung Feuerwehr"


def test_a_member_without_submission_can_be_reopened_after_the_deadline(db, late_round, make_member, coordinator,
                                                                        now):
    member = make_member(name="Mülheim an der Ruhr")
    submission = reopen_submission(db, coordinator, late_round, member.id, reason="Zugang fehlte",
                                   until=now + timedelta(days=3), now=now)
    assert is_editable(late_round, submission, now)
    row = round_overview(db, late_round, now=now).members[0]
    assert row.status == REOPENED and row.lines == 0


@pytest.mark.parametrize(("reason", "until_days", "message"), [
    ("", 7, "mindestens 5 Zeichen"),
    ("abcd", 7, "mindestens 5 Zeichen"),
    ("   ab     ", 7, "mindestens 5 Zeichen"),
    ("x" * 501, 7, "höchstens 500 Zeichen"),
    ("Nachmeldung Schulamt", -1, "in der Zukunft"),
    ("Nachmeldung Schulamt", 0, "in der Zukunft"),
])
def test_reopening_refuses_bad_input_and_changes_nothing(db, late_round, make_member, add_submission, coordinator,
                                                          now, reason, until_days, message):
    member = make_member()
    submission = add_submission(late_round, member)
    with pytest.raises(ValidationFailed) as caught:
        reopen_submission(db, coordinator, late_round, member.id, reason=reason,
                          until=now + timedelta(days=until_days), now=now)
    assert message in caught.value.message
    db.refresh(submission)
    assert submission.status == SubmissionStatus.SUBMITTED and submission.reopened_until is None
    assert events(db, "submission.reopen") == []


def test_a_reason_of_exactly_5_and_500_characters_is_accepted(db, late_round, make_member, coordinator, now):
    for reason in ("abcde", "y" * 500):
        member = make_member()
        submission = reopen_submission(db, coordinator, late_round, member.id, reason=reason,
                                       until=now + timedelta(days=1), now=now)
        assert submission.reopen_reason == reason


@pytest.mark.parametrize("state", ["draft", "closed"])
def test_only_submissions_of_an_open_round_can_be_reopened(db, make_round, make_member, coordinator, now, state):
    rnd = make_round(closed=state == "closed")
    member = make_member()
    with pytest.raises(InvalidState):
        reopen_submission(db, coordinator, rnd, member.id, reason="Nachmeldung", until=now + timedelta(days=7),
                          now=now)
    assert db.scalar(select(func.count()).select_from(Submission)) == 0
    assert events(db, "submission.reopen") == []


# --- extending the deadline ----------------------------------------------------------------------

def test_extending_moves_the_deadline_and_is_audited(db, open_round, coordinator, now):
    before, version = open_round.deadline, open_round.version
    new = before + timedelta(days=14)
    extend_round_deadline(db, coordinator, open_round, new, expected_version=version, now=now)
    db.expire_all()
    assert open_round.deadline == new and open_round.version == version + 1
    (event_row,) = events(db, "round.extend")
    assert event_row.before == {"deadline": before.isoformat()}
    assert event_row.after == {"deadline": new.isoformat()}
    assert event_row.actor_id == coordinator.id


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(minutes=-1), timedelta(days=-5)])
def test_a_deadline_not_later_than_the_current_one_is_refused(db, open_round, coordinator, now, shift):
    before = open_round.deadline
    with pytest.raises(ValidationFailed) as caught:
        extend_round_deadline(db, coordinator, open_round, before + shift,
                                           expected_version=open_round.version, now=now)
    assert "nach der bisherigen Frist" in caught.value.message
    db.expire_all()
    assert open_round.deadline == before
    assert events(db, "round.extend") == []


def test_a_late_round_cannot_be_extended_into_the_past(db, late_round, coordinator, now):
    with pytest.raises(ValidationFailed):
        extend_round_deadline(db, coordinator, late_round, now - timedelta(hours=1),
                                           expected_version=late_round.version, now=now)
    extend_round_deadline(db, coordinator, late_round, now + timedelta(days=2),
                                       expected_version=late_round.version, now=now)
    assert late_round.deadline == now + timedelta(days=2)


@pytest.mark.parametrize("state", ["draft", "closed"])
def test_only_an_open_round_can_be_extended(db, make_round, coordinator, now, state):
    rnd = make_round(closed=state == "closed")
    with pytest.raises(InvalidState):
        extend_round_deadline(db, coordinator, rnd, rnd.deadline + timedelta(days=7),
                                           expected_version=rnd.version, now=now)
    assert events(db, "round.extend") == []


def test_an_extension_from_a_stale_page_is_refused(db, open_round, coordinator, now):
    first = open_round.deadline + timedelta(days=7)
    extend_round_deadline(db, coordinator, open_round, first, expected_version=1, now=now)
    with pytest.raises(StaleVersion):
        extend_round_deadline(db, coordinator, open_round, first + timedelta(days=7),
                                           expected_version=1, now=now)
    assert open_round.deadline == first


# --- defaults ----------------------------------------------------------------------------------

def test_the_proposed_reopen_deadline_is_in_seven_days_at_noon_berlin_time():
    day, at = coordination.default_reopen_until(
        datetime(2027, 1, 25, 23, 30, tzinfo=UTC)
    )  # 00:30 on the 26th in Berlin
    assert (day.isoformat(), at.strftime("%H:%M")) == ("2027-02-02", "12:00")


def test_the_proposed_extension_is_one_week_later_at_the_same_berlin_time(make_round):
    rnd = make_round(deadline=datetime(2027, 3, 22, 11, 0, tzinfo=UTC))  # 12:00 CET; a week later it is CEST
    day, at = default_extension(rnd)
    assert (day.isoformat(), at.strftime("%H:%M")) == ("2027-03-29", "12:00")
