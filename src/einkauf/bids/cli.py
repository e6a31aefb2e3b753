"""`einkauf bids …`: bidders, importing a filled price sheet, the two-person opening.

    einkauf bids bidder NAME [--address TEXT] [--vat-id ID] [--email ADDRESS]
    einkauf bids import TENDER FILE.xlsx --bidder NAME [--received "TT.MM.JJJJ HH:MM"]
    einkauf bids open TENDER --by EMAIL --by EMAIL
    einkauf bids list TENDER
    einkauf tender evaluate | award | inform | contract TENDER …  (the ranking, the decision per lot,
        the information letters of § 134 GWB, the contract date after the waiting period)
    einkauf bids score TENDER --lot N --bid NR --criterion NAME=PROZENT [--criterion …]
    einkauf bids draw TENDER --lot N --order NR --order NR … --note TEXT

Output names counts, never a price: before the opening the command line is as sealed as the pages.
"""
from __future__ import annotations

import sys
from datetime import datetime

import click

from einkauf.errors import ValidationFailed
from einkauf.formatting import format_money_de


def parse_received(text: str) -> datetime:
    """'10.03.2027 11:30' or '2027-03-10 11:30' in German time → aware UTC; ValidationFailed otherwise."""
    from einkauf.berlin import NonexistentLocalTime, berlin_to_utc, parse_day

    day_text, _, time_text = (text or "").strip().partition(" ")
    try:
        day = parse_day(day_text, "--received")
        at = datetime.strptime(time_text.strip(), "%H:%M").time()
    except ValueError as exc:
        message = str(exc) if "--received" in str(exc) else (
            f"--received: „{text.strip()[:40]}“ ist kein Zeitpunkt (TT.MM.JJJJ HH:MM, deutsche Zeit).")
        raise ValidationFailed(message) from None
    try:
        return berlin_to_utc(day, at)
    except NonexistentLocalTime as exc:
        raise ValidationFailed(f"--received: {exc}") from None


def register(main: click.Group, pass_ctx) -> None:
    @main.group("bids")
    def bids_group() -> None:
        """Bieter und Angebote: Preisblätter einlesen, Angebote öffnen, Qualität werten, Losentscheid."""

    @bids_group.command("bidder")
    @click.argument("name")
    @click.option("--address", default="", help="Anschrift (Zeilen mit \\n trennen).")
    @click.option("--vat-id", "vat_id", default="", help="USt-IdNr., z. B. DE123456789.")
    @click.option("--email", default="", help="E-Mail-Adresse für Angebote.")
    @pass_ctx
    def bids_bidder(obj, name: str, address: str, vat_id: str, email: str) -> None:
        """Einen Bieter anlegen."""
        from einkauf.bids.services import create_bidder

        with obj.session() as session:
            bidder = create_bidder(session, "cli", name=name, address=address.replace("\\n", "\n"), vat_id=vat_id,
                                   email=email)
            label = bidder.name
        click.echo(f"Bieter {label} angelegt.")

    @bids_group.command("import")
    @click.argument("tender")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--bidder", "bidder", required=True, help="Name des Bieters (vorher anlegen).")
    @click.option("--received", default=None, help="Eingang 'TT.MM.JJJJ HH:MM' in deutscher Zeit (Standard: jetzt).")
    @pass_ctx
    def bids_import(obj, tender: str, path: str, bidder: str, received: str | None) -> None:
        """Ein ausgefülltes Preisblatt als Angebot einlesen (ersetzt die Preise desselben Bieters bis zur Öffnung)."""
        from einkauf.berlin import format_berlin
        from einkauf.bids.price_sheet_import import PRICE_SHEET_LIMITS
        from einkauf.bids.services import PriceSheetRefused, get_bidder, import_bid, read_bid_file
        from einkauf.db import write_intent

        received_at = parse_received(received) if received else None
        try:
            with open(path, "rb") as fh:
                data = fh.read(PRICE_SHEET_LIMITS.max_bytes + 1)
        except OSError as exc:
            click.echo(f"Fehler: Die Datei {path} kann nicht gelesen werden ({exc.strerror or exc}).", err=True)
            sys.exit(1)
        try:
            token = write_intent.set(False)  # parse in a read transaction, save in a short write one
            try:
                with obj.session() as session:
                    get_bidder(session, bidder)
                    parsed = read_bid_file(session, tender, data)
            finally:
                write_intent.reset(token)
            with obj.session() as session:
                bid, lots, count = import_bid(session, "cli", tender, bidder, data, received_at=received_at,
                                              source="cli", parsed=parsed)
                line = (f"Angebot von {bid.bidder.name} für {tender.strip().upper()}: {lots} Lose, {count} Preise "
                        f"übernommen; Eingang {format_berlin(bid.received_at)}"
                        + (" – verspätet, ausgeschlossen (§ 57 Abs. 1 Nr. 1 VgV)" if bid.late else "") + ".")
        except PriceSheetRefused as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            click.echo("Fehler: Das Preisblatt wurde nicht übernommen; es wurde nichts gespeichert.", err=True)
            sys.exit(1)
        click.echo(line)

    @bids_group.command("open")
    @click.argument("tender")
    @click.option("--by", "by", multiple=True, required=True,
                  help="E-Mail einer Person der Koordination; genau zweimal, zwei verschiedene Personen.")
    @pass_ctx
    def bids_open(obj, tender: str, by: tuple[str, ...]) -> None:
        """Die Angebote nach Ablauf der Angebotsfrist öffnen (zwei verschiedene Personen der Koordination)."""
        from einkauf.bids.services import open_bids, opening_lines
        from einkauf.tenders.services import get_tender

        if len(by) != 2:
            raise ValidationFailed("Bitte genau zwei Personen der Koordination mit --by angeben (Vier-Augen-Prinzip).")
        with obj.session() as session:
            opening = open_bids(session, by[0], by[1], tender)
            lines = opening_lines(opening, get_tender(session, tender))
        for line in lines:
            click.echo(line)

    @bids_group.command("list")
    @click.argument("tender")
    @pass_ctx
    def bids_list(obj, tender: str) -> None:
        """Die Angebote eines Vergabeverfahrens (Eingang, Lose, Anzahl der Preise – keine Preise)."""
        from einkauf.berlin import format_berlin
        from einkauf.bids.services import get_opening, opening_lines, price_counts, tender_bids
        from einkauf.tenders.services import get_tender

        with obj.session() as session:
            found = get_tender(session, tender)
            bids = tender_bids(session, found.id)
            counts = price_counts(session, [b.id for b in bids])
            lines = [f"{b.bidder.name}: Eingang {format_berlin(b.received_at)}"
                     + (" (verspätet)" if b.late else "") + f", {len(counts.get(b.id, {}))} Lose, "
                     f"{sum(counts.get(b.id, {}).values())} Preise" for b in bids]
            opening = get_opening(session, found.id)
            if opening is not None:
                lines += ["", *opening_lines(opening, found)]
            else:
                lines.append(f"Noch nicht geöffnet (Angebotsfrist {format_berlin(found.submission_deadline)}).")
        for line in lines or ["Keine Angebote."]:
            click.echo(line)

    @bids_group.command("score")
    @click.argument("tender")
    @click.option("--lot", "lot_number", required=True, help="Losnummer, z. B. 3 oder 1.2.")
    @click.option("--bid", "bid_id", type=int, required=True,
                  help="Nummer des Angebots (siehe einkauf tender evaluate).")
    @click.option("--criterion", "criteria", multiple=True, required=True,
                  help="KRITERIUM=PROZENT, Erfüllungsgrad 0 bis 100 (z. B. \"Qualität=87,5\"); "
                       "alle Qualitätskriterien auf einmal.")
    @pass_ctx
    def bids_score(obj, tender: str, lot_number: str, bid_id: int, criteria: tuple[str, ...]) -> None:
        """Die Qualitätswertung eines Angebots für ein Los erfassen (nach der Öffnung, vor dem Zuschlag)."""
        from einkauf.bids.scores import record_quality
        from einkauf.formatting import format_number_de

        values: dict[str, str] = {}
        for item in criteria:
            name, sep, percent = item.rpartition("=")
            if not sep or not name.strip():
                raise ValidationFailed(f"--criterion „{item[:60]}“: bitte als KRITERIUM=PROZENT angeben, "
                                       "z. B. \"Qualität=87,5\".")
            if name.strip() in values:
                raise ValidationFailed(f"--criterion: das Kriterium „{name.strip()[:60]}“ steht zweimal da.")
            values[name.strip()] = percent
        with obj.session() as session:
            lot = record_quality(session, "cli", tender, lot_number, bid_id, values)
            bid = next(b for b in lot.bids if b.bid_id == bid_id)
            points = "; ".join(f"{name} {format_number_de(p)}" for name, p in bid.quality_points)
            line = (f"Qualitätswertung für Angebot Nr. {bid_id} ({bid.bidder}), Los {lot.lot.number} gespeichert: "
                    f"{points}")
            if bid.score is not None:
                line += f"; zusammen mit dem Preis {format_number_de(bid.score)} Punkte"
                line += f", Rang {bid.rank}" if bid.rank is not None else ""
            lines = [line + "."]
            if lot.problems:
                lines += [f"Hinweis: {problem}" for problem in lot.problems]
        for text in lines:
            click.echo(text)

    @bids_group.command("draw")
    @click.argument("tender")
    @click.option("--lot", "lot_number", required=True, help="Losnummer, z. B. 3 oder 1.2.")
    @click.option("--order", "order", type=int, multiple=True, required=True,
                  help="Nummer eines gleichplatzierten Angebots; in der gezogenen Reihenfolge wiederholen.")
    @click.option("--note", required=True, help="Wer gezogen hat und wer Zeuge war.")
    @pass_ctx
    def bids_draw(obj, tender: str, lot_number: str, order: tuple[int, ...], note: str) -> None:
        """Den Losentscheid bei Gleichstand in einem Los erfassen (die gleichplatzierten Angebote in gezogener
        Reihenfolge)."""
        from einkauf.bids.scores import record_draw

        with obj.session() as session:
            record_draw(session, "cli", tender, lot_number, order, note)
        click.echo(f"Losentscheid für Los {lot_number} erfasst: " + ", ".join(
            f"{place}. Angebot Nr. {bid}" for place, bid in enumerate(order, start=1)) + ".")

    # --- the evaluation (issue 13, parts 4 and 5): on the tender and export groups -------------

    @main.commands["tender"].command("evaluate")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("--json", "as_json", is_flag=True, help="Als JSON (Beträge und Punkte als Zeichenketten).")
    @pass_ctx
    def tender_evaluate(obj, tender: str, as_json: bool) -> None:
        """Die Rangfolge je Los nach den Zuschlagskriterien (erst nach der Öffnung der Angebote)."""
        import json

        from einkauf.bids.evaluate import evaluate_bids, ranking_lines
        from einkauf.bids.evaluation import evaluation_json

        with obj.session() as session:
            found, evaluation = evaluate_bids(session, tender)
            if as_json:
                click.echo(json.dumps({"tender": found.reference, **evaluation_json(evaluation)},
                                      ensure_ascii=False, indent=2))
                return
            lines = [f"Auswertung {found.reference} – {found.title}", *ranking_lines(evaluation)]
        for line in lines:
            click.echo(line)

    @main.commands["export"].command("price-matrix")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                  help="Zieldatei (.xlsx).")
    @pass_ctx
    def export_price_matrix(obj, tender: str, output: str) -> None:
        """Den Preisspiegel als Excel-Arbeitsmappe schreiben (Übersicht und ein Blatt je Los)."""
        from einkauf.bids.evaluate import evaluate_bids
        from einkauf.bids.price_matrix import build_price_matrix
        from einkauf.console import write_atomically

        with obj.session() as session:
            found, evaluation = evaluate_bids(session, tender)
            content = build_price_matrix(evaluation, reference=found.reference, title=found.title)
        write_atomically(output, content)
        click.echo(f"Preisspiegel {found.reference}: {len(evaluation.lots)} Lose → {output}")

    @main.commands["tender"].command("award")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("--lot", "lot_number", required=True, help="Losnummer, z. B. 3 oder 1.2.")
    @click.option("--bid", "bid_id", type=int, default=None,
                  help="Nummer des Angebots (siehe einkauf tender evaluate).")
    @click.option("--cancel", is_flag=True, help="Das Los aufheben statt einen Zuschlag zu erteilen.")
    @click.option("--reason", default="", help="Grund (anderes als das erstplatzierte Angebot, Aufhebung).")
    @click.option("--clarification", default="", help="Aufklärung eines ungewöhnlich niedrigen Preises (§ 60 VgV).")
    @pass_ctx
    def tender_award(obj, tender: str, lot_number: str, bid_id: int | None, cancel: bool, reason: str,
                     clarification: str) -> None:
        """Über ein Los entscheiden: Zuschlag auf ein Angebot oder Aufhebung des Loses."""
        from einkauf.bids.award import award_lot, cancel_lot

        if cancel == (bid_id is not None):
            raise ValidationFailed("Bitte entweder --bid NUMMER (Zuschlag) oder --cancel (Aufhebung) angeben.")
        with obj.session() as session:
            if cancel:
                cancel_lot(session, "cli", tender, lot_number, reason)
                message = f"Los {lot_number} aufgehoben."
            else:
                assert bid_id is not None
                award = award_lot(session, "cli", tender, lot_number, bid_id, reason=reason,
                                  clarification=clarification)
                total = format_money_de(award.lot_total) if award.lot_total is not None else "–"
                message = f"Zuschlag für Los {lot_number} auf Angebot Nr. {bid_id} (Rang {award.rank}, {total})."
        click.echo(message)

    @main.commands["tender"].command("inform")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("--sent-on", "sent_on", default="",
                  help="Tag des Versands (JJJJ-MM-TT oder TT.MM.JJJJ, deutsche Zeit); Standard: heute.")
    @click.option("--channel", type=click.Choice(["elektronisch", "post"]), default="elektronisch",
                  show_default=True, help="Versandweg: elektronisch (10 Tage Wartefrist) oder per Post (15 Tage).")
    @click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
                  help="Ordner, in den die Schreiben geschrieben werden.")
    @pass_ctx
    def tender_inform(obj, tender: str, sent_on: str, channel: str, output: str) -> None:
        """Informationsschreiben nach § 134 GWB erzeugen und ihren Versand erfassen (EU-Verfahren,
        wenn über alle Lose entschieden ist)."""
        from pathlib import Path

        from einkauf import clock
        from einkauf.berlin import parse_day
        from einkauf.bids.information import inform_bidders
        from einkauf.console import write_atomically
        from einkauf.formatting import format_day_de
        from einkauf.tenders.documents import staged_content

        try:
            day = parse_day(sent_on, "--sent-on") if sent_on else clock.today_berlin()
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        target = Path(output)
        config = obj.config
        with obj.session() as session:
            result = inform_bidders(session, "cli", tender, sent_on=day, channel=channel,
                                    export_dir=config["EXPORT_DIR"], cooperative_name=config["COOPERATIVE_NAME"],
                                    cooperative_address=config["COOPERATIVE_ADDRESS"])
            files = [(d.file_name, staged_content(session, d)) for d in result.documents]
            clashes = [name for name, _content in files if (target / name).exists()]
            if clashes:  # raised inside the session: nothing is recorded
                raise ValidationFailed(f"{target / clashes[0]} gibt es schon; es wurde nichts erzeugt und nichts "
                                       "überschrieben. Bitte einen anderen Ordner angeben.")
            target.mkdir(parents=True, exist_ok=True)
            for name, content in files:
                write_atomically(str(target / name), content)
            earliest = result.information.earliest_contract_date
        for name, _content in files:
            click.echo(str(target / name))
        click.echo(f"{len(files)} Informationsschreiben. Der Vertrag darf frühestens am {format_day_de(earliest)} "
                   "geschlossen werden (§ 134 GWB).")

    @main.commands["tender"].command("contract")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("--lot", "lot_number", required=True, help="Losnummer, z. B. 3 oder 1.2.")
    @click.option("--date", "day", required=True, help="Tag des Vertragsschlusses (JJJJ-MM-TT oder TT.MM.JJJJ).")
    @pass_ctx
    def tender_contract(obj, tender: str, lot_number: str, day: str) -> None:
        """Den Vertragsschluss (Zuschlag) eines Loses erfassen; in EU-Verfahren erst nach der Wartefrist."""
        from einkauf.berlin import parse_day
        from einkauf.bids.information import record_contract_date
        from einkauf.formatting import format_date_de

        try:
            contract_date = parse_day(day, "--date")
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        with obj.session() as session:
            record_contract_date(session, "cli", tender, lot_number, contract_date)
        click.echo(f"Vertragsschluss für Los {lot_number} am {format_date_de(contract_date)} erfasst.")
