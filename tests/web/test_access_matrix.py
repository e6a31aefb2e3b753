"""The access matrix: every route × every kind of visitor → the expected HTTP status.

A route that is added without an entry here fails test_every_route_has_an_access_rule, so no
page can appear without someone deciding who may see it (SECURITY.md, ASVS 8.4.1)."""
from __future__ import annotations

from datetime import UTC

import pytest
from flask import url_for

from support import kern_assets

VISITORS = ("anonymous", "officer", "other_officer", "coordinator", "finance", "admin")

# Expected statuses in the order of VISITORS.
SIGN_IN_FIRST = 302
COORDINATOR_ONLY = (SIGN_IN_FIRST, 403, 403, 200, 403, 403)
COORDINATOR_ONLY_SEE_OTHER = (SIGN_IN_FIRST, 403, 403, 303, 403, 403)
ADMIN_ONLY = (SIGN_IN_FIRST, 403, 403, 403, 403, 200)
COORDINATOR_AND_ADMIN = (SIGN_IN_FIRST, 403, 403, 200, 403, 200)
SIGNED_IN = (SIGN_IN_FIRST, 200, 200, 200, 200, 200)
SIGNED_IN_REDIRECT = (SIGN_IN_FIRST, 302, 302, 302, 302, 302)
PUBLIC = (200, 200, 200, 200, 200, 200)
PUBLIC_REDIRECT = (302, 302, 302, 302, 302, 302)
# Officer pages carry no member id: each officer reaches their own member's data only.
OFFICERS = (SIGN_IN_FIRST, 200, 200, 403, 403, 403)
OFFICERS_SEE_OTHER = (SIGN_IN_FIRST, 303, 303, 403, 403, 403)
# Finance exports: finance, coordinators and officers (their own member's rows only); not admins.
FINANCE_PAGES = (SIGN_IN_FIRST, 200, 200, 200, 200, 403)
# A round without a lot plan (here: a draft) has no export: 404 for everyone allowed in.
FINANCE_NOT_FOUND = (SIGN_IN_FIRST, 404, 404, 404, 404, 403)

# (endpoint, method) → (URL arguments by name of a world fixture object, expected statuses)
MATRIX: dict[tuple[str, str], tuple[dict, tuple[int, ...]]] = {
    ("static", "GET"): ({"filename": "einkauf.css"}, PUBLIC),
    ("kern_asset", "GET"): ({"filename": "kern.min.css"}, PUBLIC),
    ("home.health", "GET"): ({}, PUBLIC),
    ("home.healthz", "GET"): ({}, PUBLIC),
    ("home.readyz", "GET"): ({}, PUBLIC),
    ("home.index", "GET"): ({}, SIGNED_IN),
    ("home.set_language", "POST"): ({}, PUBLIC_REDIRECT),
    # A signed-in visitor is sent on from the sign-in page; a failed POST re-renders it.
    ("auth.sign_in", "GET"): ({}, (200, 302, 302, 302, 302, 302)),
    ("auth.sign_in", "POST"): ({}, PUBLIC),
    ("auth.sign_out", "POST"): ({}, SIGNED_IN_REDIRECT),
    ("auth.change_password", "GET"): ({}, SIGNED_IN),
    ("auth.change_password", "POST"): ({}, SIGNED_IN),
    ("auth.account", "GET"): ({}, SIGNED_IN),
    # Only one's own sessions can be ended: any other id is 404 for everybody signed in.
    ("auth.session_end", "POST"): ({"session_id": 999999}, (SIGN_IN_FIRST, 404, 404, 404, 404, 404)),
    ("auth.user_list", "GET"): ({}, ADMIN_ONLY),
    ("auth.user_new", "GET"): ({}, ADMIN_ONLY),
    ("auth.user_new", "POST"): ({}, ADMIN_ONLY),
    ("auth.user_edit", "GET"): ({"user_id": "target_user"}, ADMIN_ONLY),
    ("auth.user_edit", "POST"): ({"user_id": "target_user"}, ADMIN_ONLY),
    ("auth.user_password", "GET"): ({"user_id": "target_user"}, ADMIN_ONLY),
    ("auth.user_password", "POST"): ({"user_id": "target_user"}, ADMIN_ONLY),
    ("audit.event_list", "GET"): ({}, COORDINATOR_AND_ADMIN),
    ("audit.event_detail", "GET"): ({"event_id": "event"}, COORDINATOR_AND_ADMIN),
    ("catalogue.category_list", "GET"): ({}, COORDINATOR_ONLY),
    ("catalogue.category_new", "GET"): ({}, COORDINATOR_ONLY),
    ("catalogue.category_new", "POST"): ({}, COORDINATOR_ONLY),
    ("catalogue.category_edit", "GET"): ({"category_id": "category"}, COORDINATOR_ONLY),
    ("catalogue.category_edit", "POST"): ({"category_id": "category"}, COORDINATOR_ONLY),
    ("catalogue.product_list", "GET"): ({}, COORDINATOR_ONLY),
    ("catalogue.product_new", "GET"): ({}, COORDINATOR_ONLY),
    ("catalogue.product_new", "POST"): ({}, COORDINATOR_ONLY),
    ("catalogue.product_edit", "GET"): ({"product_id": "product"}, COORDINATOR_ONLY),
    ("catalogue.product_edit", "POST"): ({"product_id": "product"}, COORDINATOR_ONLY),
    ("catalogue.cpv_list", "GET"): ({}, COORDINATOR_ONLY),
    ("rounds.member_list", "GET"): ({}, COORDINATOR_ONLY),
    ("rounds.member_new", "GET"): ({}, COORDINATOR_ONLY),
    ("rounds.member_new", "POST"): ({}, COORDINATOR_ONLY),
    ("rounds.member_edit", "GET"): ({"member_id": "own_member"}, COORDINATOR_ONLY),
    ("rounds.member_edit", "POST"): ({"member_id": "own_member"}, COORDINATOR_ONLY),
    ("rounds.site_new", "GET"): ({"member_id": "own_member"}, COORDINATOR_ONLY),
    ("rounds.site_new", "POST"): ({"member_id": "own_member"}, COORDINATOR_ONLY),
    ("rounds.site_edit", "GET"): ({"member_id": "own_member", "site_id": "own_site"}, COORDINATOR_ONLY),
    ("rounds.site_edit", "POST"): ({"member_id": "own_member", "site_id": "own_site"}, COORDINATOR_ONLY),
    ("rounds.round_list", "GET"): ({}, COORDINATOR_ONLY),
    ("rounds.round_new", "GET"): ({}, COORDINATOR_ONLY),
    ("rounds.round_new", "POST"): ({}, COORDINATOR_ONLY),
    ("rounds.round_detail", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("rounds.round_edit", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("rounds.round_edit", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("rounds.round_open", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    ("coordination.round_close", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    ("coordination.round_overview", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("coordination.round_close", "GET"): ({"round_id": "open_round"}, COORDINATOR_ONLY),
    # An empty post is refused with a message on the round page (303).
    ("rounds.round_value_basis", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    # Thresholds: admins maintain them, coordinators read them; an empty post re-renders the form.
    ("thresholds.threshold_list", "GET"): ({}, COORDINATOR_AND_ADMIN),
    ("thresholds.threshold_add", "POST"): ({}, ADMIN_ONLY),
    ("thresholds.threshold_delete", "POST"): ({"threshold_id": "threshold"}, (SIGN_IN_FIRST, 403, 403, 403, 403, 303)),
    ("demand.start", "GET"): ({}, OFFICERS),
    ("demand.submission", "GET"): ({"round_id": "open_round"}, OFFICERS),
    ("demand.category", "GET"): ({"round_id": "open_round", "category_id": "category"}, OFFICERS),
    ("demand.category", "POST"): ({"round_id": "open_round", "category_id": "category"}, OFFICERS),
    ("demand.participation", "GET"): ({"round_id": "open_round", "category_id": "category"}, OFFICERS),
    ("demand.participation", "POST"): ({"round_id": "open_round", "category_id": "category"}, OFFICERS_SEE_OTHER),
    ("demand.copy_previous", "GET"): ({"round_id": "open_round"}, OFFICERS_SEE_OTHER),
    ("demand.copy_previous", "POST"): ({"round_id": "open_round"}, OFFICERS_SEE_OTHER),
    ("demand.submit", "GET"): ({"round_id": "open_round"}, OFFICERS),
    ("demand.submit", "POST"): ({"round_id": "open_round"}, OFFICERS_SEE_OTHER),
    ("demand.withdraw", "POST"): ({"round_id": "open_round"}, OFFICERS_SEE_OTHER),
    ("demand_excel.template", "GET"): ({"round_id": "open_round"}, OFFICERS),
    ("demand_excel.upload", "GET"): ({"round_id": "open_round"}, OFFICERS),
    # A POST without a file is a bad request for officers; others never get that far.
    ("demand_excel.upload", "POST"): ({"round_id": "open_round"}, (SIGN_IN_FIRST, 400, 400, 403, 403, 403)),
    ("coordination.submission_reopen", "GET"): ({"round_id": "draft_round", "member_id": "own_member"},
                                                COORDINATOR_ONLY),
    ("coordination.submission_reopen", "POST"): ({"round_id": "draft_round", "member_id": "own_member"},
                                                 COORDINATOR_ONLY),
    ("rounds.round_extend", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("rounds.round_extend", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    # Lots: a draft round shows the explanation (200); a build is refused with a message (303).
    ("lots.plan", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("lots.build", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    ("lots.rules", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("lots.rules", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("lots.preview", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("lots.lot_detail", "GET"): ({"round_id": "lot_round", "lot_id": "lot"}, COORDINATOR_ONLY),
    # Call-off monitoring (issue 15): coordinators per tender; officers their own member's view of
    # a tender it takes part in (the world's tender has no frameworks: 404 for every officer).
    ("monitoring.index", "GET"): ({}, (SIGN_IN_FIRST, 200, 200, 200, 403, 403)),
    ("monitoring.tender_page", "GET"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    ("monitoring.tender_report", "GET"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    ("monitoring.officer_page", "GET"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 404, 404, 403, 403, 403)),
    ("monitoring.officer_report", "GET"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 404, 404, 403, 403, 403)),
    # Tenders: a round without lots sends the coordinator back to the lot plan (303).
    ("tenders.tender_new", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    ("tenders.tender_new", "POST"): ({"round_id": "draft_round"}, COORDINATOR_ONLY_SEE_OTHER),
    ("tenders.tender_list", "GET"): ({}, COORDINATOR_ONLY),
    ("tenders.tender_detail", "GET"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    ("tenders.tender_cancel", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY_SEE_OTHER),
    # Documents: the world's tender is cancelled (no new documents: 303 with a message); its one
    # registered document has no file on disk (404).
    ("tenders.documents_generate", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY_SEE_OTHER),
    ("tenders.document_download", "GET"): ({"tender_id": "tender", "document_id": "document"},
                                           (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("tenders.tender_texts", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    # Finance exports; downloads of a built plan and tenant isolation: tests/web/test_finance_exports.py.
    ("finance.index", "GET"): ({}, FINANCE_PAGES),
    ("finance.round_export", "GET"): ({"round_id": "draft_round", "fmt": "xlsx"}, FINANCE_NOT_FOUND),
    # The world's tender has an empty frozen plan: a file without rows for everyone allowed in.
    ("finance.tender_export", "GET"): ({"tender_id": "tender", "fmt": "csv"}, FINANCE_PAGES),
    # Bids (issue 13): coordinators only. Empty posts: the bidder form is refused (422), the upload
    # and receipt forms are incomplete (400), the opening form is shown again (200); the world's
    # tender has no lots, so a lot of a bid is 404. Sealing and the pages: tests/web/test_bids_pages.py.
    ("bids.bidders", "GET"): ({}, COORDINATOR_ONLY),
    ("bids.bidders", "POST"): ({}, (SIGN_IN_FIRST, 403, 403, 422, 403, 403)),
    ("bids.tender_bids", "GET"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    ("bids.upload", "POST"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 400, 403, 403)),
    ("bids.receipt", "POST"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 400, 403, 403)),
    ("bids.bid_detail", "GET"): ({"tender_id": "tender", "bid_id": "bid"}, COORDINATOR_ONLY),
    ("bids.check", "POST"): ({"tender_id": "tender", "bid_id": "bid", "bid_lot_id": 999999},
                             (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("bids.bid_lot", "GET"): ({"tender_id": "tender", "bid_id": "bid", "tender_lot_id": 999999},
                              (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("bids.bid_lot", "POST"): ({"tender_id": "tender", "bid_id": "bid", "tender_lot_id": 999999},
                               (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("bids.opening", "GET"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    ("bids.opening", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY),
    # Sealed (R15): the world's tender has no opening, so the coordinator is refused with 409.
    ("bids.price_matrix", "GET"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.price_matrix_lot", "GET"): ({"tender_id": "tender", "index": 1}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.price_matrix_download", "GET"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.award", "POST"): ({"tender_id": "tender", "index": 1}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    # Award and information of the bidders (§ 134 GWB): sealed before the opening (409); the world's
    # tender has no lots (a contract of lot 999999 is 404) and its document is no information letter.
    ("bids.award_overview", "GET"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.inform", "POST"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.contract", "POST"): ({"tender_id": "tender", "tender_lot_id": 999999},
                                (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("bids.letter_download", "GET"): ({"tender_id": "tender", "document_id": "document"},
                                      (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),

    # The Vergabevermerk with the award part: refused before the opening (303 back with a message).
    ("bids.record_regenerate", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY_SEE_OTHER),

    # Contracts after the award: officers their own member's; finance and coordinators choose a
    # member, a member-bound user is sent to its own (302) and gets 404 for another member.
    # Contents, tenant isolation and sealing: tests/web/test_contracts_pages.py.
    ("contracts.officer_contracts", "GET"): ({}, OFFICERS),
    ("contracts.finance_index", "GET"): ({}, (SIGN_IN_FIRST, 302, 302, 200, 200, 403)),
    ("contracts.member_contracts", "GET"): ({"member_id": "own_member"}, (SIGN_IN_FIRST, 200, 404, 200, 200, 403)),

    ("bids.quality", "POST"): ({"tender_id": "tender", "index": 1}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("bids.draw", "POST"): ({"tender_id": "tender", "index": 1}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),

    # The members' award letters (issue 14): generated by coordinators (the world's tender is
    # cancelled: refused, 303 back); downloaded like the contracts page — a member-bound user only
    # its own member's (another member's 404), here none is generated yet: 404 for all allowed in.
    # Contents and tenant isolation: tests/web/test_award_letters_pages.py.
    ("contracts.letters_generate", "POST"): ({"tender_id": "tender"}, COORDINATOR_ONLY_SEE_OTHER),
    ("contracts.letter_download", "GET"): ({"member_id": "own_member", "tender_id": "tender"},
                                           (SIGN_IN_FIRST, 404, 404, 404, 404, 403)),

    # Savings (issue 14 part 4): a round's for coordinators; a member's like its contracts.
    # Contents and tenant isolation: tests/web/test_savings_pages.py.
    ("savings.round_savings", "GET"): ({"round_id": "draft_round"}, COORDINATOR_ONLY),
    ("savings.member_savings", "GET"): ({"member_id": "own_member"}, (SIGN_IN_FIRST, 200, 404, 200, 200, 403)),

    # Frameworks and sales reports (issue 15 parts 1 and 2): coordinators only. The world's tender
    # has no awarded lot (creating its frameworks is refused: 409) and no framework (404).
    # Contents: tests/web/test_calloffs_pages.py.
    ("calloffs.framework_list", "GET"): ({}, COORDINATOR_ONLY),
    ("calloffs.framework_create", "POST"): ({"tender_id": "tender"}, (SIGN_IN_FIRST, 403, 403, 409, 403, 403)),
    ("calloffs.framework_detail", "GET"): ({"framework_id": 999999}, (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("calloffs.option_decide", "POST"): ({"framework_id": 999999, "number": 1},
                                         (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("calloffs.customer_number", "POST"): ({"framework_id": 999999}, (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("calloffs.report_upload", "POST"): ({"framework_id": 999999}, (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
    ("calloffs.report_template", "GET"): ({"framework_id": 999999, "fmt": "csv"},
                                          (SIGN_IN_FIRST, 403, 403, 404, 403, 403)),
}

# Record-level checks: ids that do not exist, or belong elsewhere, are 404 for those allowed in.
CROSS_RECORD = [
    ("demand.submission", {"round_id": "draft_round"}),
    ("demand.submission", {"round_id": 999999}),
    ("demand.category", {"round_id": "open_round", "category_id": 999999}),
    ("demand.category", {"round_id": "draft_round", "category_id": "category"}),
    ("demand_excel.template", {"round_id": "draft_round"}),
    ("demand_excel.upload", {"round_id": 999999}),
    ("rounds.site_edit", {"member_id": "other_member", "site_id": "own_site"}),
    ("rounds.site_edit", {"member_id": "own_member", "site_id": 999999}),
    ("rounds.member_edit", {"member_id": 999999}),
    ("rounds.round_detail", {"round_id": 999999}),
    ("coordination.round_overview", {"round_id": 999999}),
    ("coordination.round_close", {"round_id": 999999}),
    ("rounds.round_extend", {"round_id": 999999}),
    ("coordination.submission_reopen", {"round_id": 999999, "member_id": "own_member"}),
    ("coordination.submission_reopen", {"round_id": "draft_round", "member_id": 999999}),
    ("lots.plan", {"round_id": 999999}),
    ("lots.rules", {"round_id": 999999}),
    ("lots.preview", {"round_id": 999999}),
    ("lots.lot_detail", {"round_id": "lot_round", "lot_id": 999999}),
    ("monitoring.tender_page", {"tender_id": 999999}),
    ("monitoring.tender_report", {"tender_id": 999999}),
    ("lots.lot_detail", {"round_id": "draft_round", "lot_id": "lot"}),
    ("tenders.tender_new", {"round_id": 999999}),
    ("tenders.tender_detail", {"tender_id": 999999}),
    ("tenders.document_download", {"tender_id": 999999, "document_id": "document"}),
    ("tenders.document_download", {"tender_id": "tender", "document_id": 999999}),
    ("finance.round_export", {"round_id": 999999, "fmt": "csv"}),
    ("finance.tender_export", {"tender_id": 999999, "fmt": "xlsx"}),
    ("finance.round_export", {"round_id": "open_round", "fmt": "xlsx"}),
    ("catalogue.category_edit", {"category_id": 999999}),
    ("catalogue.product_edit", {"product_id": 999999}),
    ("audit.event_detail", {"event_id": 999999}),
    ("bids.tender_bids", {"tender_id": 999999}),
    ("bids.opening", {"tender_id": 999999}),
    ("bids.price_matrix", {"tender_id": 999999}),
    ("bids.price_matrix_lot", {"tender_id": 999999, "index": 1}),
    ("bids.bid_detail", {"tender_id": "tender", "bid_id": 999999}),
    ("bids.bid_detail", {"tender_id": 999999, "bid_id": "bid"}),
    ("bids.bid_lot", {"tender_id": 999999, "bid_id": "bid", "tender_lot_id": 999999}),
    ("bids.award_overview", {"tender_id": 999999}),
    ("bids.letter_download", {"tender_id": 999999, "document_id": "document"}),
    ("bids.letter_download", {"tender_id": "tender", "document_id": 999999}),

    ("contracts.member_contracts", {"member_id": 999999}),
    ("contracts.letter_download", {"member_id": 999999, "tender_id": "tender"}),
    ("contracts.letter_download", {"member_id": "own_member", "tender_id": 999999}),

    ("savings.round_savings", {"round_id": 999999}),
    ("savings.member_savings", {"member_id": 999999}),

    ("calloffs.framework_detail", {"framework_id": 999999}),
    ("calloffs.report_template", {"framework_id": 999999, "fmt": "xlsx"}),
]


def test_every_route_has_an_access_rule(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(routes - MATRIX.keys()) == [], "routes without an entry in the access matrix"
    assert sorted(MATRIX.keys() - routes) == [], "matrix entries for routes that no longer exist"


@pytest.fixture
def world(db, make_member, make_user, make_category, make_product, make_round):
    from einkauf.audit.services import record_event

    own = make_member(name="Eigene Stadt", sites=1)
    other = make_member(name="Andere Stadt", sites=1)
    target = make_user("officer", member=other)
    event = record_event(db, target, "member.update", "member", own.id, summary="Testeintrag", member_id=own.id)
    category = make_category()
    db.flush()
    return {
        "own_member": own.id,
        "own_site": own.delivery_sites[0].id,
        "other_member": other.id,
        "target_user": target.id,
        "event": event.id,
        "category": category.id,
        "product": make_product(category=category).id,
        "draft_round": make_round().id,
        "open_round": make_round(opened=True).id,
        "threshold": _threshold(db),
        **_tender(db, make_round(closed=True)),
        **_lot(db, make_round(closed=True), category),
    } | _bid(db)


def _lot(db, rnd, category) -> dict:
    """A current lot plan of a closed round with one (empty) lot: the lot detail page."""
    from einkauf.lots.models import Lot, LotPlan

    plan = LotPlan(round_id=rnd.id)
    db.add(plan)
    db.flush()
    lot = Lot(plan_id=plan.id, number="1", sort_key=1, title="Matrixlos", category_id=category.id,
              cpv_code=category.cpv_code)
    db.add(lot)
    db.flush()
    return {"lot_round": rnd.id, "lot": lot.id}


def _bid(db) -> dict:
    """A bid (issue 13) for the world's tender (the newest one)."""
    from datetime import datetime

    from sqlalchemy import func, select

    from einkauf.bids.models import Bid, Bidder
    from einkauf.tenders.models import Tender

    bidder = Bidder(name="Matrix Bieter GmbH")
    db.add(bidder)
    db.flush()
    bid = Bid(tender_id=db.scalar(select(func.max(Tender.id))), bidder_id=bidder.id,
              received_at=datetime(2027, 3, 8, 9, tzinfo=UTC))
    db.add(bid)
    db.flush()
    return {"bid": bid.id}


def _threshold(db) -> int:
    """A threshold row no tender uses (far in the future, so it overlaps nothing)."""
    from datetime import date
    from decimal import Decimal

    from einkauf.thresholds.models import EuThreshold

    row = EuThreshold(kind="supplies_services_subcentral", amount=Decimal("250000.00"), valid_from=date(2040, 1, 1),
                      valid_to=date(2041, 12, 31))
    db.add(row)
    db.flush()
    return row.id


def _tender(db, rnd) -> dict:
    """A cancelled tender over an empty plan with one registered document whose file is missing."""
    from datetime import date, datetime
    from decimal import Decimal

    from einkauf.lots.models import LotPlan
    from einkauf.tenders.models import Document, DocumentKind, Tender, TenderStatus

    plan = LotPlan(round_id=rnd.id, superseded_at=datetime(2027, 1, 2, tzinfo=UTC))
    db.add(plan)
    db.flush()
    tender = Tender(reference=f"EK-{rnd.code}-01", round_id=rnd.id, plan_id=plan.id, title="Test",
                    status=TenderStatus.CANCELLED, procedure="Offenes Verfahren (VgV)", eu_wide=True,
                    national_procedure="Öffentliche Ausschreibung (UVgO)", threshold_amount=Decimal("216000.00"),
                    threshold_valid_from=date(2026, 1, 1), threshold_valid_to=date(2027, 12, 31),
                    estimated_total=Decimal("0.00"), publication_date=date(2027, 2, 1),
                    submission_deadline=datetime(2027, 3, 8, 11, tzinfo=UTC), cancel_reason="Test")
    db.add(tender)
    db.flush()
    document = Document(tender_id=tender.id, kind=DocumentKind.RECORD_PDF, version=1, file_name="x.pdf",
                        path=f"{tender.reference}/x.pdf", content_type="application/pdf", size=1, sha256="0" * 64)
    db.add(document)
    db.flush()
    return {"tender": tender.id, "document": document.id}


@pytest.fixture
def visit(app, client, world, make_user, sign_in, db):
    members = {"officer": world["own_member"], "other_officer": world["other_member"]}

    def go(visitor: str, endpoint: str, method: str, args: dict):
        if visitor != "anonymous":
            role = "officer" if visitor.endswith("officer") else visitor
            member = None
            if role == "officer":
                from einkauf.rounds.models import Member

                member = db.get(Member, members[visitor])
            sign_in(make_user(role, member=member))
        values = {k: world.get(v, v) if isinstance(v, str) and v in world else v for k, v in args.items()}
        with app.test_request_context():
            url = url_for(endpoint, **values)
        response = client.open(url, method=method, data={})
        response.get_data()
        response.close()  # file responses (static assets) hold an open file until closed
        return response

    return go


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_route_answers_each_visitor_as_the_matrix_says(visit, visitor, endpoint, method):
    args, expected = MATRIX[(endpoint, method)]
    if endpoint == "kern_asset":
        kern_assets()  # skipped with the reason where the npm assets are missing
    response = visit(visitor, endpoint, method, args)
    want = expected[VISITORS.index(visitor)]
    assert response.status_code == want, f"{visitor} {method} {endpoint}: {response.status_code}, erwartet {want}"
    if visitor == "anonymous" and expected is not PUBLIC_REDIRECT and want == SIGN_IN_FIRST:
        assert response.headers["Location"].startswith("/anmelden?next=")


@pytest.mark.parametrize(("endpoint", "args"), CROSS_RECORD)
def test_ids_of_missing_or_foreign_records_are_not_found(visit, endpoint, args):
    allowed = "admin" if endpoint.startswith("auth.") else "officer" if endpoint.startswith("demand") else "coordinator"
    response = visit(allowed, endpoint, "GET", args)
    assert response.status_code == 404


POST_ROUTES = sorted(key for key in MATRIX if key[1] == "POST" and key[0] not in ("auth.sign_in",))


@pytest.fixture
def csrf_client(app_config, world, make_user, db):
    """A client of an app with CSRF protection on, signed in (with a token) as coordinator or admin."""
    from einkauf.app import create_app

    from support import csrf_token_from

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    from einkauf.rounds.models import Member

    users = {"coordinator": make_user("coordinator"), "admin": make_user("admin"),
             "officer": make_user("officer", member=db.get(Member, world["own_member"]))}

    def signed_in_as(role: str):
        client = app.test_client()
        token = csrf_token_from(client.get("/anmelden").get_data(as_text=True))
        response = client.post("/anmelden", data={"email": users[role].email, "password": "richtig-geheim-1",
                                                  "csrf_token": token})
        assert response.status_code == 302
        return app, client

    return signed_in_as


@pytest.mark.parametrize(("endpoint", "method"), POST_ROUTES)
def test_no_post_changes_anything_without_a_csrf_token(csrf_client, world, db, endpoint, method):
    from sqlalchemy import func, select

    from einkauf.audit.models import AuditEvent

    args, expected = MATRIX[(endpoint, method)]
    role = ("officer" if expected[1] != 403 and expected[3] == 403
            else "admin" if expected[5] != 403 and expected[3] == 403 else "coordinator")
    app, client = csrf_client(role)
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    values = {k: world[v] if isinstance(v, str) and v in world else v for k, v in args.items()}
    with app.test_request_context():
        url = url_for(endpoint, **values)
    response = client.post(url, data={"lang": "en"})
    assert response.status_code in (200, 400), f"{endpoint}: {response.status_code}"
    if response.status_code == 200:  # forms that keep the input show the German expiry message
        assert "Sitzung ist abgelaufen" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
