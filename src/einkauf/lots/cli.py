"""`einkauf lots build ROUND [--json]`: build the lot plan of a closed round.

With --json one JSON object on stdout (amounts as strings with two decimals):
{"round", "members", "demand_lines", "estimated_total", "maximum_total", "value_basis",
 "lots": [{"number", "title", "cpv", "additional_cpv_codes", "members", "positions", "estimated_value",
 "maximum_value"}]}
("cpv" is the main CPV code; "additional_cpv_codes" the other codes of a merged lot, else []).
maximum_total / maximum_value: at the maximum quantities × reference prices; value_basis: the
round's setting ("maximum" or "estimate") that decides the threshold test at freezing.
An unknown or not yet closed round: one German line on stderr, exit code 1 (main group).
"""
from __future__ import annotations

import json

import click

from einkauf.formatting import format_decimal_de


def result_as_json(result) -> dict:
    """The `lots build --json` contract."""
    return {
        "round": result.round_code,
        "members": result.member_count,
        "demand_lines": result.demand_line_count,
        "estimated_total": f"{result.estimated_total:.2f}",
        "maximum_total": f"{result.maximum_total:.2f}",
        "value_basis": result.value_basis,
        "lots": [
            {
                "number": lot.number,
                "title": lot.title,
                "cpv": lot.cpv_code,
                "additional_cpv_codes": list(lot.additional_cpv_codes),
                "members": lot.member_count,
                "positions": lot.position_count,
                "estimated_value": f"{lot.estimated_value:.2f}",
                "maximum_value": f"{lot.maximum_value:.2f}",
            }
            for lot in result.lots
        ],
    }


def _euro(amount) -> str:
    return f"{format_decimal_de(amount, 2)} €"


def register(main: click.Group, pass_ctx) -> None:
    @main.group("lots")
    def lots_group() -> None:
        """Lose bilden."""

    @lots_group.command("build")
    @click.argument("round_code")
    @click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON-Objekt ausgeben.")
    @pass_ctx
    def lots_build(obj, round_code: str, as_json: bool) -> None:
        """Aus den abgegebenen Bedarfsmeldungen einer geschlossenen Bedarfsabfrage die Lose bilden."""
        from einkauf.lots.services import build_lots
        from einkauf.rounds.services import get_round_by_code

        with obj.session() as session:
            result = build_lots(session, "cli", get_round_by_code(session, round_code).id)
        # Printed only after the commit succeeded.
        if as_json:
            click.echo(json.dumps(result_as_json(result), ensure_ascii=False))
            return
        click.echo(f"Bedarfsabfrage {result.round_code}: {len(result.lots)} Lose aus "
                   f"{result.demand_line_count} Bedarfspositionen von {result.member_count} Mitgliedern gebildet.")
        for lot in result.lots:
            cpv = ", ".join([lot.cpv_code, *lot.additional_cpv_codes])
            click.echo(f"  Los {lot.number}: {lot.title} (CPV {cpv}) – {lot.position_count} Positionen, "
                       f"{lot.member_count} Mitglieder, geschätzter Wert {_euro(lot.estimated_value)}, "
                       f"Höchstwert {_euro(lot.maximum_value)}")
        click.echo(f"Geschätzter Gesamtauftragswert: {_euro(result.estimated_total)}; Höchstwert bei Abruf der "
                   f"Höchstmengen: {_euro(result.maximum_total)}")
