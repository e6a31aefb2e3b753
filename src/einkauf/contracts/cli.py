"""`einkauf tender letters TENDER -o DIR`: the members' award letters (Zuschlagsmitteilung /
Abrufberechtigung, issue 14 part 1) — generated for all members in one run, registered in the
tender's document register and copied into DIR."""
from __future__ import annotations

import click

from einkauf.errors import ValidationFailed

PROGRESS_EVERY = 50


def register(main: click.Group, pass_ctx) -> None:
    @main.commands["tender"].command("letters")  # type: ignore[attr-defined]  # a click.Group
    @click.argument("tender")
    @click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
                  help="Ordner, in den die Zuschlagsmitteilungen geschrieben werden.")
    @pass_ctx
    def tender_letters(obj, tender: str, output: str) -> None:
        """Zuschlagsmitteilungen (Abrufberechtigungen) für alle beteiligten Mitglieder erzeugen
        (sobald über mindestens ein Los entschieden ist)."""
        from pathlib import Path

        from einkauf.console import write_atomically
        from einkauf.contracts.letters import generate_award_letters
        from einkauf.tenders.documents import staged_content

        def progress(count: int, _member) -> None:
            if count % PROGRESS_EVERY == 0:
                click.echo(f"{count} Zuschlagsmitteilungen erzeugt …", err=True)

        target = Path(output)
        config = obj.config
        with obj.session() as session:
            documents = generate_award_letters(session, "cli", tender, export_dir=config["EXPORT_DIR"],
                                               cooperative_name=config["COOPERATIVE_NAME"],
                                               cooperative_address=config["COOPERATIVE_ADDRESS"],
                                               progress=progress)
            clashes = [d.file_name for d in documents if (target / d.file_name).exists()]
            if clashes:  # raised inside the session: nothing is recorded
                raise ValidationFailed(f"{target / clashes[0]} gibt es schon; es wurde nichts erzeugt und nichts "
                                       "überschrieben. Bitte einen anderen Ordner angeben.")
            target.mkdir(parents=True, exist_ok=True)
            for document in documents:  # one file in memory at a time
                write_atomically(str(target / document.file_name), staged_content(session, document))
            names = [d.file_name for d in documents]
        for name in names:
            click.echo(str(target / name))
        click.echo(f"{len(names)} Zuschlagsmitteilungen.")
