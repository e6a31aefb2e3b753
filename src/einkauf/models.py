"""Imports every model so that Base.metadata is complete (Alembic, tests, create_all)."""
from einkauf.audit.models import AuditEvent  # noqa: F401
from einkauf.auth.models import SignInFailure, User, UserSession  # noqa: F401
from einkauf.bids.models import Bid, Bidder, BidLot, BidOpening, BidPrice  # noqa: F401
from einkauf.calloffs.models import CallOff, CustomerNumber, Framework, FrameworkOption, SalesReport  # noqa: F401
from einkauf.catalogue.models import Category, CpvCode, Product, Unit  # noqa: F401
from einkauf.db import Base  # noqa: F401
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission, SubmissionStatus  # noqa: F401
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition, LotRuleSet  # noqa: F401
from einkauf.roles import Role  # noqa: F401
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus  # noqa: F401
from einkauf.tenders.models import Document, DocumentKind, Tender, TenderLot, TenderStatus  # noqa: F401
from einkauf.thresholds.models import EuThreshold  # noqa: F401
