"""einkauf: pooled public procurement for purchasing cooperatives.

The Flask application factory lives in einkauf.app (`create_app`); this package holds no Flask.
"""
from __future__ import annotations

__version__ = "0.1.0"
