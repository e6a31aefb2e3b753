"""Command-line commands of this domain, registered on the `einkauf` group."""
import click


def register(main: click.Group, pass_ctx) -> None:
    pass
