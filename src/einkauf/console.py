"""Ending a command-line command with a one-line message (shared by einkauf.cli and the
packages' commands, so that these need not import the command line's root)."""
from __future__ import annotations

import sys

import click


def fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)
