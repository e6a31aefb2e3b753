"""The roles of the people who sign in (who may do what is checked against these everywhere)."""
from __future__ import annotations

import enum


class Role(str, enum.Enum):
    OFFICER = "officer"
    COORDINATOR = "coordinator"
    FINANCE = "finance"
    ADMIN = "admin"
