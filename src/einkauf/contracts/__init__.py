"""After the award: each member's contracts — per awarded lot the supplier, the term and the
member's positions at the awarded prices (issue 13 part 8, issue 14 part 2, R20, R22)."""
