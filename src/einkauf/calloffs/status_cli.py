"""`einkauf calloffs status TENDER [--json]` — the monitoring of the frameworks (issue 15 part 3):
the warnings first, then per framework the positions that are not on track; with --json every
position total with its level, quantities and amounts as strings (exact decimals)."""
from __future__ import annotations

import json
from datetime import date

import click


def register(group: click.Group, pass_ctx) -> None:
    """Adds the monitoring commands to the `calloffs` group."""

    @group.command("status")
    @click.argument("tender")
    @click.option("--json", "as_json", is_flag=True, help="Alle Positionen als JSON (Beträge und Mengen als Text).")
    @click.option("--date", "on_day", default=None, help="Stichtag JJJJ-MM-TT (Standard: heute, deutsche Zeit).")
    @pass_ctx
    def status(obj, tender: str, as_json: bool, on_day: str | None) -> None:
        """Abrufe je Rahmenvertrag gegen anteilige Schätzmenge und Höchstmenge, Warnungen zuerst."""
        from einkauf import clock
        from einkauf.calloffs.monitoring import tender_monitoring
        from einkauf.calloffs.monitoring_rules import LEVEL_LABELS, Level
        from einkauf.console import fail
        from einkauf.formatting import format_number_de

        try:
            today = date.fromisoformat(on_day) if on_day else clock.today_berlin()
        except ValueError:
            fail(f"Fehler: „{on_day}“ ist kein Datum der Form JJJJ-MM-TT.")
        with obj.session() as session:
            monitoring = tender_monitoring(session, tender, today=today)
        if as_json:
            click.echo(json.dumps(_as_json(monitoring), ensure_ascii=False, indent=2))
            return
        labels = {level.value: label for level, label in LEVEL_LABELS.items()} | {"overcharge": "Überzahlung"}
        click.echo(f"{monitoring.reference} – Stand {today.strftime('%d.%m.%Y')}: "
                   f"{len(monitoring.frameworks)} Rahmenverträge, {len(monitoring.warnings)} Warnungen")
        for w in monitoring.warnings:
            who = w.member or "alle Mitglieder"
            extra = f", Überzahlung {format_number_de(w.overcharge)} €" if w.overcharge > 0 else ""
            click.echo(f"  {labels[w.level]}: Los {w.lot_number} {w.product_number} ({who}) – abgerufen "
                       f"{format_number_de(w.called, 3)}, anteilig {format_number_de(w.expected, 3)}, "
                       f"Höchstmenge {format_number_de(w.maximum, 3)}{extra}")
        for framework in monitoring.frameworks:
            off_track = sum(1 for p in framework.positions if p.total.level != Level.ON_TRACK)
            click.echo(f"Los {framework.lot_number} ({framework.supplier}): {len(framework.positions)} Positionen, "
                       f"{off_track} nicht im Plan, {len(framework.months_reported)} Monate gemeldet")


def _as_json(monitoring) -> dict:
    def use(u) -> dict:
        return {"called": str(u.called), "expected_to_date": str(u.expected), "estimated": str(u.estimated),
                "maximum": str(u.maximum), "remaining": str(u.remaining), "level": u.level.value,
                "overcharge": str(u.overcharge)}

    return {
        "tender": monitoring.reference,
        "date": monitoring.today.isoformat(),
        "warnings": [{"level": w.level, "lot": w.lot_number, "article": w.product_number, "member": w.member,
                      "called": str(w.called), "expected_to_date": str(w.expected), "maximum": str(w.maximum),
                      "overcharge": str(w.overcharge)} for w in monitoring.warnings],
        "frameworks": [{
            "lot": f.lot_number, "supplier": f.supplier, "starts_on": f.starts_on.isoformat(),
            "ends_on": f.ends_on.isoformat(), "elapsed_days": f.elapsed_days, "planned_days": f.total_days,
            "months_reported": [m.isoformat()[:7] for m in f.months_reported],
            "overcharge": str(f.overcharge),
            "off_contract": [{"member": name, "net": str(amount), "rows": rows}
                             for name, amount, rows in f.off_contract],
            "positions": [{"number": p.number, "article": p.product_number, "awarded_price":
                           None if p.awarded_price is None else str(p.awarded_price), **use(p.total)}
                          for p in f.positions],
        } for f in monitoring.frameworks],
    }
