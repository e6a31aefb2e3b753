"""Command-line commands of this domain, registered on the `einkauf` group."""
from __future__ import annotations

import click

from einkauf.berlin import BERLIN
from einkauf.demo.data import DEFAULT_PASSWORD

ALREADY_LOADED = "Datenbank enthält bereits Daten – Demo nicht geladen."
PASSWORD_KEPT = ("Das Passwort der Demo-Zugänge wurde nicht geändert: Es gilt weiterhin das Passwort, mit dem die "
                 "Demo geladen wurde. Demo-Zugänge:")
NOT_MIGRATED = ("Fehler: Die Datenbank ist nicht eingerichtet (es fehlen Tabellen). "
                "Bitte zuerst „einkauf db upgrade“ ausführen.")


def register(main: click.Group, pass_ctx) -> None:
    from einkauf.console import fail

    @main.command("demo")
    @click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
                  help="Passwort aller Demo-Zugänge (mindestens 8 Zeichen).")
    @click.option("--if-empty", is_flag=True,
                  help="Eine Datenbank mit Daten unverändert lassen und ohne Fehler enden.")
    @pass_ctx
    def demo(obj, password: str, if_empty: bool) -> None:
        """Demodaten (13 NRW-Städte, Katalog, Zugänge, Bedarfsabfrage 2027) in eine leere Datenbank laden."""
        from sqlalchemy import func, select
        from sqlalchemy.exc import OperationalError

        from einkauf.auth.models import User
        from einkauf.auth.passwords import verify_password
        from einkauf.demo.services import database_is_empty, demo_sign_ins, load_demo, missing_tables

        try:
            with obj.session() as session:
                if missing_tables(session):
                    fail(NOT_MIGRATED)
                if not database_is_empty(session):
                    if not if_empty:
                        fail("Fehler: Die Datenbank enthält bereits Daten – die Demo wird nur in eine leere "
                             "Datenbank geladen (mit --if-empty ohne Fehler überspringen).")
                    click.echo(ALREADY_LOADED)
                    emails = [s.email for s in demo_sign_ins()]
                    present = session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails)))
                    if not present:
                        click.echo("Die Demo-Zugänge gibt es in dieser Datenbank nicht.")
                        return
                    # The password is never changed on a filled database: print it only if it is the
                    # one the demo sign-ins have (checked against the first of them).
                    first = session.scalar(select(User).where(User.email.in_(emails)).order_by(User.id).limit(1))
                    click.echo("")
                    if first is not None and verify_password(first.password_hash, password):
                        _print_sign_ins(demo_sign_ins(), password)
                    else:
                        click.echo(PASSWORD_KEPT)
                        for sign_in in demo_sign_ins():
                            click.echo(f"  {sign_in.email}")
                    return
                summary = load_demo(session, password)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            fail(f"Fehler: Die Datenbank ist nicht erreichbar: {reason}")

        deadline = summary.round_deadline.astimezone(BERLIN)
        click.echo(f"Demo geladen: {summary.members} Mitglieder mit {summary.delivery_sites} Lieferstellen, "
                   f"{summary.categories} Warengruppen, {_number(summary.products)} Artikel, "
                   f"{summary.users} Zugänge.")
        click.echo(f"Bedarfsabfrage {summary.round_code}: offen bis {deadline:%d.%m.%Y, %H:%M} Uhr; "
                   f"{summary.submitted} Bedarfsmeldungen abgegeben, {summary.drafts} im Entwurf, "
                   f"{_number(summary.demand_lines)} Bedarfspositionen.")
        click.echo("")
        _print_sign_ins(summary.sign_ins, password)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _print_sign_ins(sign_ins, password: str) -> None:
    from einkauf.home import ROLE_LABELS
    from einkauf.roles import Role

    rows = [
        (ROLE_LABELS[Role(s.role)] + (f" {s.member_name}" if s.member_name else ""), s.email, password)
        for s in sign_ins
    ]
    header = ("Rolle", "E-Mail", "Passwort")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    click.echo(f"Demo-Anmeldungen (Passwort: {password}):")
    for role, email, pw in [header, *rows]:
        click.echo(f"  {role:<{widths[0]}}  {email:<{widths[1]}}  {pw}")
