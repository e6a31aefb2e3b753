"""Fixtures shared by the web tests: the access matrix's world (a member of one's own and a
foreign one, a user, an audit event, a category, a product, rounds in each state and a tender
with a document), which the hostile-input tests walk with the same route arguments."""
from test_access_matrix import world as world
