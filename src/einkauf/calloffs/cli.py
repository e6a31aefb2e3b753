"""The `einkauf calloffs` command group (issue 15). Its commands live beside their services:
einkauf.calloffs.import_cli (sales reports in) and einkauf.calloffs.status_cli (monitoring)."""
from __future__ import annotations

import click


def register(main: click.Group, pass_ctx) -> None:
    @main.group("calloffs")
    def calloffs() -> None:
        """Rahmenverträge während der Laufzeit: Umsatzmeldungen und Abrufe."""

    from einkauf.calloffs import import_cli, status_cli

    import_cli.register(calloffs, pass_ctx)
    status_cli.register(calloffs, pass_ctx)
