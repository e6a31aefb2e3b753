"""The tender PDFs: Vergabeunterlagen for bidders (bidder.py) and the internal Vergabevermerk
(record.py), on one page template (layout.py) with embedded DejaVu fonts (fonts.py)."""
