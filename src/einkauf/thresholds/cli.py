"""`einkauf thresholds list [--json]` and `einkauf thresholds add --amount … --from … --to … [--kind …]`.

list --json prints {"thresholds": [{"id", "kind", "amount", "valid_from", "valid_to", "source",
"in_use"}]} (amounts as strings with two decimals, dates ISO).
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import click

from einkauf.berlin import parse_day
from einkauf.errors import ValidationFailed
from einkauf.formatting import amount_json, format_date_de, format_money_de
from einkauf.thresholds.rules import SUPPLIES_SERVICES_SUBCENTRAL, THRESHOLD_KINDS


def _day(text: str, what: str) -> date:
    try:
        return parse_day(text, what)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def _amount(text: str) -> str:
    """'216000', '216000.00' or the German '216.000,00' / '216000,00' → '216000.00'-style text."""
    text = text.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def register(main: click.Group, pass_ctx) -> None:
    @main.group("thresholds")
    def thresholds_group() -> None:
        """EU-Schwellenwerte (mit Gültigkeitszeitraum) anzeigen und ergänzen."""

    @thresholds_group.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON-Objekt ausgeben.")
    @pass_ctx
    def thresholds_list(obj, as_json: bool) -> None:
        """Die hinterlegten EU-Schwellenwerte anzeigen."""
        from einkauf.thresholds.services import list_thresholds, threshold_in_use

        with obj.session() as session:
            rows: list[dict[str, Any]] = [{"id": row.id, "kind": row.kind, "amount": amount_json(row.amount),
                     "valid_from": row.valid_from.isoformat(), "valid_to": row.valid_to.isoformat(),
                     "source": row.source, "in_use": threshold_in_use(row)}
                    for row in list_thresholds(session)]
        if as_json:
            click.echo(json.dumps({"thresholds": rows}, ensure_ascii=False))
            return
        if not rows:
            click.echo("Keine EU-Schwellenwerte hinterlegt.")
        for row in rows:
            used = " – verwendet" if row["in_use"] else ""
            click.echo(f"{format_date_de(date.fromisoformat(row['valid_from']))}–"
                       f"{format_date_de(date.fromisoformat(row['valid_to']))}: "
                       f"{format_money_de(Decimal(row['amount']))} "
                       f"({THRESHOLD_KINDS.get(row['kind'], row['kind'])}){used}")

    @thresholds_group.command("add")
    @click.option("--amount", required=True, help="Schwellenwert in Euro (netto), z. B. 221000 oder 221000.00.")
    @click.option("--from", "valid_from", required=True, help="Gültig ab (JJJJ-MM-TT oder TT.MM.JJJJ).")
    @click.option("--to", "valid_to", required=True, help="Gültig bis einschließlich (JJJJ-MM-TT oder TT.MM.JJJJ).")
    @click.option("--kind", default=SUPPLIES_SERVICES_SUBCENTRAL, show_default=True,
                  type=click.Choice(sorted(THRESHOLD_KINDS)), help="Art des Schwellenwerts.")
    @click.option("--source", default="", help="Quelle, z. B. die Delegierte Verordnung (EU).")
    @pass_ctx
    def thresholds_add(obj, amount: str, valid_from: str, valid_to: str, kind: str, source: str) -> None:
        """Einen EU-Schwellenwert mit Gültigkeitszeitraum ergänzen (Zeiträume dürfen sich nicht überschneiden)."""
        from einkauf.thresholds.services import add_threshold

        start, end = _day(valid_from, "--from"), _day(valid_to, "--to")
        with obj.session() as session:
            row = add_threshold(session, "cli", amount=_amount(amount), valid_from=start, valid_to=end, kind=kind,
                                source=source)
            text = (f"EU-Schwellenwert {format_money_de(row.amount)} ({THRESHOLD_KINDS[row.kind]}) für "
                    f"{format_date_de(row.valid_from)}–{format_date_de(row.valid_to)} hinterlegt.")
        click.echo(text)
