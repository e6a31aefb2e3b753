"""The static demo facts are consistent with the curated seed and with each other."""
from __future__ import annotations

from decimal import Decimal

import pytest

from einkauf.catalogue.seed import CURATED_CPV, CURATED_UNITS
from einkauf.demo import data


@pytest.mark.parametrize("name, slug", [
    ("Mülheim an der Ruhr", "muelheim-an-der-ruhr"),
    ("Köln", "koeln"),
    ("Düsseldorf", "duesseldorf"),
    ("Münster", "muenster"),
    ("Gießen", "giessen"),
    ("Aachen", "aachen"),
])
def test_city_names_become_ascii_mail_addresses(name, slug):
    assert data.ascii_slug(name) == slug
    assert data.officer_email(name) == f"beschaffung-{slug}@einkauf.example"


def test_categories_and_products_use_only_curated_codes_and_units():
    assert {c.prefix for c in data.CATEGORIES} == set(data.PRODUCTS)
    for category in data.CATEGORIES:
        assert category.cpv_code in CURATED_CPV, category.name
    for items in data.PRODUCTS.values():
        for item in items:
            assert item.unit in CURATED_UNITS, item.short_text


def test_prices_have_exactly_two_places_and_vat_is_a_german_rate():
    for items in data.PRODUCTS.values():
        for item in items:
            price = Decimal(item.price)
            assert price > 0 and price.as_tuple().exponent == -2, item.short_text
            assert item.vat in ("19.00", "7.00")
            assert item.base_quantity > 0


def test_delivery_sites_have_unique_names_and_five_digit_postcodes():
    for city in data.CITIES:
        assert 2 <= len(city.sites) <= 3
        assert len({s.name for s in city.sites}) == len(city.sites)
        assert city.sites[0].kind == data.ADMIN_OFFICE
        for site in city.sites:
            assert len(site.postcode) == 5 and site.postcode.isdigit()


def test_planned_demand_is_the_same_on_every_call_and_names_known_records():
    first, second = data.planned_demand(), data.planned_demand()
    assert first == second
    numbers = {
        data.product_number(c.prefix, i) for c in data.CATEGORIES for i in range(1, len(data.PRODUCTS[c.prefix]) + 1)
    }
    sites = {(c.ags, s.name) for c in data.CITIES for s in c.sites}
    keys = [(line.ags, line.product_number, line.site_name) for line in first]
    assert len(keys) == len(set(keys)), "one line per product and delivery site"
    for line in first:
        assert line.product_number in numbers
        assert (line.ags, line.site_name) in sites
        assert line.quantity >= 1


def test_cities_without_a_submission_have_no_planned_demand():
    silent = {c.ags for c in data.CITIES if c.submission == data.NO_SUBMISSION}
    assert len(silent) == 2
    assert not [line for line in data.planned_demand() if line.ags in silent]
