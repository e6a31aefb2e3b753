"""The frameworks pages of the coordinators and the sales-report upload (issue 15 parts 1, 2)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calloffs", __name__)
