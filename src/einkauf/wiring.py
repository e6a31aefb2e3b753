"""The composition root's wiring of later stages into earlier ones, where the layers forbid the
import (einkauf.app.create_app and the `einkauf` command group both call it; no Flask here)."""
from __future__ import annotations


def provide_record_parts() -> None:
    """The award part of the Vergabevermerk after the opening of the bids (issue 13): tenders may
    not import bids, so the builder is handed to einkauf.tenders.documents here."""
    from einkauf.bids.record import award_record_part
    from einkauf.tenders.documents import provide_award_part

    provide_award_part(award_record_part)


def provide_consumption() -> None:
    """The reported consumption under the frameworks (issue 15 part 4) for copying the previous
    round: demand may not import calloffs, so the query is handed to einkauf.demand.consumption."""
    from einkauf.calloffs.consumption import member_consumption
    from einkauf.demand.consumption import provide_consumption as provide

    provide(member_consumption)


def wire() -> None:
    """Everything later stages hand to earlier ones (create_app and the `einkauf` command group)."""
    provide_record_parts()
    provide_consumption()
