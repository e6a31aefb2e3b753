"""The monitoring pages of call-offs against estimated and maximum quantities (issue 15 part 3)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("monitoring", __name__)
