"""Errors in words (issue 16 part 4): the lot rules form shows a German message at each field of a
category row and lists it in the summary with its row — never the dict of the row's errors — and
keeps the input."""
from __future__ import annotations

import re

from support import text


def test_invalid_category_rows_read_as_german_messages(client, as_role, make_demand_round):
    built = make_demand_round()
    as_role("coordinator")
    url = f"/runden/{built.round.id}/lose/regeln"
    page = text(client.get(url))
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    data.update({"categories-0-group": "abc", "categories-0-category_id": "x", "categories-1-group": "9999",
                 "split_value": "-5,00"})
    response = client.post(url, data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = html[html.index('id="fehlerliste"'):html.index("</ul>", html.index('id="fehlerliste"'))]
    assert "Zeile 1: Ungültige Warengruppe." in summary
    assert "Zusammenlegen (Gruppe): Zeile 2: Bitte eine Gruppennummer von 1 bis 99 angeben." in summary
    assert "In Teillose teilen ab (€): Bitte eine Zahl wie 1.234,56 eingeben" in summary
    for marker in ("{", "}", "[l&#39;", "Categories", "categories"):
        assert marker not in re.sub(r'href="[^"]*"', "", summary), marker
    # The message at the field, and the input kept.
    assert 'value="9999"' in html and html.count("Bitte eine Gruppennummer von 1 bis 99 angeben.") >= 3


def test_the_rules_page_shows_each_categorys_value_and_the_members_regions(client, as_role, make_demand_round):
    built = make_demand_round(member_name="Essen")
    built.member.region = "Ruhrgebiet"
    as_role("coordinator")
    page = text(client.get(f"/runden/{built.round.id}/lose/regeln"))
    row = page[page.index(f'id="regel-{built.categories[1].id}"'):]
    row = row[:row.index("</tr>")]
    assert "5.000,00" in row  # paper: 1,000 × 5,00 € a year
    regions = page[page.index('id="member-regions"'):]
    assert "Ruhrgebiet" in regions and "Essen" in regions[:regions.index("</dl>")]
