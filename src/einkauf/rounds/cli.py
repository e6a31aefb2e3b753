"""`einkauf round …`: list, open and close demand rounds (Bedarfsabfragen).

Domain errors (unknown code, wrong state, past deadline) become one German line on stderr
and exit code 1 through the main group.
"""
import click

from einkauf.berlin import format_berlin
from einkauf.rounds.rules import round_status_label


def register(main: click.Group, pass_ctx) -> None:
    @main.group("round")
    def round_group() -> None:
        """Bedarfsabfragen verwalten."""

    @round_group.command("list")
    @pass_ctx
    def round_list(obj) -> None:
        """Alle Bedarfsabfragen mit Status und Abgabefrist (deutsche Zeit) ausgeben."""
        from einkauf.rounds.services import list_rounds

        with obj.session() as session:
            rows = list_rounds(session)
            if not rows:
                click.echo("Es sind keine Bedarfsabfragen angelegt.")
                return
            width = max(len(r.code) for r in rows)
            for r in rows:
                click.echo(f"{r.code:<{width}}  {round_status_label(r.status):<11}  "
                           f"Öffnung {r.opens_on:%d.%m.%Y}  Frist {format_berlin(r.deadline)}  {r.title}")

    @round_group.command("open")
    @click.argument("round_code")
    @pass_ctx
    def round_open(obj, round_code: str) -> None:
        """Eine Bedarfsabfrage (Entwurf) für die Mitglieder öffnen."""
        from einkauf.rounds.services import get_round_by_code, open_round

        with obj.session() as session:
            row = open_round(session, "cli", get_round_by_code(session, round_code).id)
            message = f"Bedarfsabfrage {row.code} geöffnet; Abgabefrist {format_berlin(row.deadline)}."
        click.echo(message)  # only after the commit succeeded

    @round_group.command("close")
    @click.argument("round_code")
    @click.option("--early", is_flag=True,
                  help="Vor Ablauf der Abgabefrist schließen (ausdrückliche Bestätigung); Entwürfe und Mitglieder "
                       "ohne Abgabe fließen nicht in die Lose ein.")
    @pass_ctx
    def round_close(obj, round_code: str, early: bool) -> None:
        """Eine geöffnete Bedarfsabfrage schließen (vor Ablauf der Frist nur mit --early)."""
        from einkauf.console import fail
        from einkauf.errors import InvalidField
        from einkauf.rounds.services import close_round, get_round_by_code

        try:
            with obj.session() as session:
                row = close_round(session, "cli", get_round_by_code(session, round_code).id, early=early)
                message = f"Bedarfsabfrage {row.code} geschlossen"
                closed_early = row.closed_at is not None and row.closed_at < row.deadline
                message += " (vor Ablauf der Abgabefrist)." if closed_early else "."
        except InvalidField as exc:
            if exc.field != "early":
                raise
            fail(f"Fehler: {exc.message} Zum Bestätigen: einkauf round close {round_code} --early")
        click.echo(message)  # only after the commit succeeded
