"""safe_next: only paths on this site pass; everything a browser would send elsewhere does not."""
import pytest

from einkauf.web import safe_next


@pytest.mark.parametrize("target", [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "https://evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " /evil",
    "///evil.example",
    "%0d%0a",
    "evil.example",
    "/" + "a" * 2001,
    "",
    None,
])
def test_targets_that_leave_the_site_give_the_default(target):
    assert safe_next(target, "/start") == "/start"


@pytest.mark.parametrize("target", ["/", "/mitglieder?page=2", "/zugaenge/3/passwort", "/a#anker",
                                    "/protokoll?since=2027-01-01&until=31.12.2027", "/%2F%2Fevil.example"])
def test_local_paths_are_kept(target):
    assert safe_next(target, "/start") == target
