"""Schema migrations through Alembic, configured in code."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from einkauf.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"

# Revision ids two branches cannot both take: the UTC minute it was made plus 16 random bits
# ("2026_12_03_0712_a1b2"), not a counter (two branches both wrote a "0007"). The file name is
# the id plus the slug, so the folder still lists the revisions by date. The revisions before
# this rule keep their ids (0001…0006, 20261202_…).
REVISION_ID = re.compile(r"^(\d{4})_(\d{2})_(\d{2})_(\d{4})_[0-9a-f]{4}\Z")


def new_revision_id(now: datetime | None = None) -> str:
    """A fresh revision id, e.g. "2026_12_03_0712_a1b2" (see REVISION_ID)."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y_%m_%d_%H%M}_{secrets.token_hex(2)}"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head", connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str | None = None, revision: str = "base", connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(url, connection), revision)
