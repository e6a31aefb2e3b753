"""Bidders, bids, the sealed opening and the checking of bids (issue 13; DESIGN R15, R16)."""
