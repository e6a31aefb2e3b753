"""Who acts: the acting user that services receive (and record in the audit log).

A signed-in user (anything with an `id` and an `email`, e.g. einkauf.auth.models.User), or a
plain name for work without a user: "cli" for the command line, "system", a test's label.
Pure: no Flask, no SQLAlchemy, so that every domain package can name it without importing
another (issue 12, part 4).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ActingUser(Protocol):
    """A signed-in user as far as services need it."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


# The acting user, or the name of a non-user actor ("cli", "system").
Actor = ActingUser | str
