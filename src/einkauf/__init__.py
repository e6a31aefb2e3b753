"""einkauf: pooled public procurement for purchasing cooperatives.

The Flask application factory lives in einkauf.app (`create_app`); this package holds no Flask.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

# zoneinfo, not pytz: pytz has no daylight-saving rules past 2037.
BERLIN = ZoneInfo("Europe/Berlin")

__version__ = "0.1.0"
