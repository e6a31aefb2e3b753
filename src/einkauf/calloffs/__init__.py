"""During the term: frameworks of the awarded lots, suppliers' sales reports, monitoring (issue 15, R21)."""
