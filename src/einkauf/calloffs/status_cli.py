"""`einkauf calloffs status …` — the monitoring of the frameworks (issue 15 part 3)."""
from __future__ import annotations

import click


def register(group: click.Group, pass_ctx) -> None:
    """Adds the monitoring commands to the `calloffs` group."""
