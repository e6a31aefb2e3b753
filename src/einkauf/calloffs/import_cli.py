"""`einkauf calloffs import …` — suppliers' sales reports in (issue 15 part 2)."""
from __future__ import annotations

import click


def register(group: click.Group, pass_ctx) -> None:
    """Adds the import commands to the `calloffs` group."""
