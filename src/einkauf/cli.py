"""The `einkauf` command line: parse, call a service, print. Exit 0 on success; otherwise a
one-line German reason on stderr and a non-zero code."""
from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from einkauf.config import ConfigError
from einkauf.console import fail
from einkauf.errors import DomainError


class CliContext:
    """Lazily creates the configuration and engine the commands share."""

    def __init__(self) -> None:
        self._config: dict | None = None
        self._factory: sessionmaker[Session] | None = None

    @property
    def config(self) -> dict:
        if self._config is None:
            from einkauf.config import load_config

            self._config = load_config()
        return self._config

    @property
    def factory(self):
        if self._factory is None:
            from einkauf.db import make_engine, make_session_factory

            self._factory = make_session_factory(make_engine(self.config["DATABASE_URL"]))
        return self._factory

    @contextmanager
    def session(self) -> Iterator[Session]:
        from einkauf.db import session_scope

        with session_scope(self.factory) as session:
            yield session


pass_ctx = click.make_pass_decorator(CliContext, ensure=True)


class DomainErrorGroup(click.Group):
    """Turns domain errors into one line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            fail(f"Fehler: {exc.message}")
        except ConfigError as exc:
            # e.g. EINKAUF_ENV=production without EINKAUF_SECRET_KEY: one German line, as the README promises.
            fail(f"Fehler: {exc}")
        except (OperationalError, ProgrammingError) as exc:
            # A missing table or an unreachable server: say so in one line, not as a traceback.
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
            fail(f"Fehler: Datenbank nicht erreichbar oder nicht auf dem neuesten Stand ({reason}). "
                 "Bitte „einkauf db upgrade“ ausführen und die Verbindung (EINKAUF_DATABASE_URL) prüfen.")
        except (KeyboardInterrupt, click.exceptions.Abort):
            fail("Abgebrochen.", 130)


@click.group(cls=DomainErrorGroup)
@click.version_option(package_name="einkauf")
@click.pass_context
def main(ctx: click.Context) -> None:
    """einkauf – gebündelte öffentliche Beschaffung."""
    from einkauf.logs import configure_logging
    from einkauf.wiring import wire

    configure_logging()  # EINKAUF_LOG_LEVEL, EINKAUF_LOG_FORMAT; on stderr, stdout stays for --json
    wire()  # the award part of the Vergabevermerk, the consumption for copying a round: as on the web
    ctx.ensure_object(CliContext)


@main.group()
def db() -> None:
    """Datenbank verwalten."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_ctx
def db_upgrade(obj: CliContext, revision: str) -> None:
    """Datenbankschema auf den neuesten Stand bringen."""
    from einkauf.migrate import upgrade

    _ensure_sqlite_folder(obj.config["DATABASE_URL"])
    upgrade(obj.config["DATABASE_URL"], revision)
    click.echo("Datenbank ist auf dem neuesten Stand.")


@db.command("downgrade")
@click.argument("revision")
@pass_ctx
def db_downgrade(obj: CliContext, revision: str) -> None:
    """Datenbankschema auf eine frühere Revision zurücksetzen."""
    from einkauf.migrate import downgrade

    downgrade(obj.config["DATABASE_URL"], revision)
    click.echo(f"Datenbank auf Revision {revision} zurückgesetzt.")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = url[len("sqlite:///"):]
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Die Webanwendung mit einem Produktions-WSGI-Server (waitress) bereitstellen."""
    from waitress.server import create_server

    from einkauf.app import create_app

    app = create_app()
    # waitress drops X-Forwarded-* headers by default; with EINKAUF_TRUSTED_PROXIES they are passed
    # on to the app, where ProxyFix believes exactly the configured number of hops. The socket is
    # bound first: a port in use ends with one German line, and "läuft" is said only once it listens.
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="einkauf",
                               clear_untrusted_proxy_headers=not app.config["TRUSTED_PROXIES"])
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"Fehler: Port {port} auf {host} ist schon belegt – läuft einkauf bereits? "
                 "Anderen Port wählen: einkauf serve --port …")
        fail(f"Fehler: einkauf kann nicht auf {host}:{port} lauschen ({exc.strerror or exc}).")
    # --- issue 11 (h6): orphans of killed document generations ---
    from einkauf.tenders.documents import sweep_exports_at_start

    swept = sweep_exports_at_start(app.extensions["einkauf.session_factory"], app.config["EXPORT_DIR"])
    if swept is not None and not swept.clean:
        click.echo(f"Hinweis: Der Exportordner stimmt nicht mit dem Dokumentenregister überein "
                   f"({len(swept.orphans)} Dateien ohne Eintrag, {len(swept.missing)} fehlende Dateien); "
                   "Einzelheiten mit „einkauf exports check“.", err=True)
    # --- end issue 11 (h6) ---
    click.echo(f"einkauf läuft auf http://{host}:{port}/ (Beenden mit Strg+C)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("einkauf beendet.")


@main.command("backup")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Datei der Sicherung (tar.gz) – Datenbank und Exportordner mit Prüfsummen.")
@pass_ctx
def backup_command(obj: CliContext, output: str) -> None:
    """Datenbank und Exportordner sichern (SQLite im laufenden Betrieb, PostgreSQL mit pg_dump)."""
    from einkauf.backup import BackupError, backup

    try:
        summary = backup(obj.config["DATABASE_URL"], obj.config["EXPORT_DIR"], output)
    except BackupError as exc:
        fail(f"Fehler: {exc}")
    click.echo(f"Sicherung geschrieben: {output} ({summary.database}, {summary.files} Dateien des Exportordners, "
               f"{summary.size:,} Bytes)".replace(",", "."))


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@pass_ctx
def restore_command(obj: CliContext, archive: str) -> None:
    """Eine Sicherung in eine leere Instanz zurückspielen (Prüfsummen werden vorher geprüft)."""
    from einkauf.backup import BackupError, restore

    def empty() -> bool:
        from einkauf.demo.services import database_is_empty, missing_tables

        try:
            with obj.session() as session:
                return bool(missing_tables(session)) or database_is_empty(session)
        except OperationalError:
            return True  # no database yet

    try:
        summary = restore(archive, obj.config["DATABASE_URL"], obj.config["EXPORT_DIR"], database_is_empty=empty)
    except BackupError as exc:
        fail(f"Fehler: {exc}")
    click.echo(f"Sicherung zurückgespielt: {summary.database}, {summary.files} Dateien des Exportordners. "
               "Danach „einkauf db upgrade“, falls die Sicherung älter ist als diese Version.")


@main.group()
def user() -> None:
    """Zugänge verwalten."""


@user.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["officer", "coordinator", "finance", "admin"]))
@click.option("--member", "member_ags", default=None, help="AGS des Mitglieds (Pflicht für officer).")
@click.option("--name", default="")
@click.option("--password", default=None, help="Ohne Angabe wird nach dem Passwort gefragt.")
@pass_ctx
def user_add(obj: CliContext, email: str, role: str, member_ags: str | None, name: str, password: str | None) -> None:
    """Einen Zugang anlegen."""
    from einkauf.auth.services import create_user

    if password is None:
        if not sys.stdin.isatty():
            fail("Fehler: --password angeben oder das Kommando interaktiv aufrufen.")
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    with obj.session() as session:
        created = create_user(session, "cli", email, role, password, member_ags=member_ags, name=name)
        click.echo(f"Zugang {created.email} ({created.role.value}) angelegt.")


def _register_domain_commands() -> None:
    from einkauf.bids import cli as bids_cli
    from einkauf.calloffs import cli as calloffs_cli
    from einkauf.catalogue import cli as catalogue_cli
    from einkauf.contracts import cli as contracts_cli
    from einkauf.demand import cli as demand_cli
    from einkauf.demo import cli as demo_cli
    from einkauf.finance import cli as finance_cli
    from einkauf.lots import cli as lots_cli
    from einkauf.rounds import cli as rounds_cli
    from einkauf.tenders import cli as tenders_cli
    from einkauf.thresholds import cli as thresholds_cli

    for module in (catalogue_cli, rounds_cli, demand_cli, demo_cli, lots_cli, tenders_cli, finance_cli,
                   thresholds_cli, bids_cli, contracts_cli, calloffs_cli):
        module.register(main, pass_ctx)


_register_domain_commands()
