"""Ending a command-line command with a one-line message (shared by einkauf.cli and the
packages' commands, so that these need not import the command line's root)."""
from __future__ import annotations

import os
import sys
import tempfile

import click


def fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def write_atomically(path: str, data: bytes) -> None:
    """Write a command's output file through a temporary file next to it, then rename: never a
    half-written file, and an existing file is replaced only by a complete one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".einkauf-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
