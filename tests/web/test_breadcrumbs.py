"""Breadcrumbs on every page below the start page (issue 16 part 2): Start › the section › the page."""
from __future__ import annotations

import re

from support import text


def _crumbs(html: str) -> list[str]:
    nav = html[html.index('class="kern-container breadcrumbs"'):html.index("</nav>", html.index("breadcrumbs"))]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]


def test_a_page_below_a_section_shows_start_section_and_itself(client, as_role, make_demand_round):
    built = make_demand_round()
    as_role("coordinator")
    html = text(client.get(f"/runden/{built.round.id}/lose"))
    assert _crumbs(html)[:2] == ["Start", "Bedarfsabfragen"] and len(_crumbs(html)) == 3
    assert 'aria-current="page">' in html[html.index("breadcrumbs"):]


def test_a_section_page_shows_start_and_itself_and_the_start_page_none(client, as_role):
    as_role("coordinator")
    assert _crumbs(text(client.get("/runden")))[0] == "Start" and len(_crumbs(text(client.get("/runden")))) == 2
    assert 'class="kern-container breadcrumbs"' not in text(client.get("/"))
