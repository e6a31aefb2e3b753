"""The request boundary's pure parts (einkauf.boundary): control characters and sizes."""
import pytest

from einkauf.boundary import MAX_ID, size_text, strip_controls


@pytest.mark.parametrize(("raw", "clean"), [("a\x00b", "ab"), ("\x01\x02\x03\x1b[0m", "[0m"), ("x\x7fy", "xy"),
                                            ("Zeile 1\r\nZeile 2\tEnde", "Zeile 1\r\nZeile 2\tEnde"),
                                            ("Größe € ✓", "Größe € ✓"), ("\u0085\u00a0", "\u0085\u00a0")])
def test_only_c0_controls_and_del_are_removed(raw, clean):
    assert strip_controls(raw) == clean


def test_the_id_bound_is_the_postgresql_integer_range():
    assert MAX_ID == 2_147_483_647


@pytest.mark.parametrize(("n", "exact", "text"), [(10 * 1024 * 1024, True, "10,0 MB"), (5 * 1024 * 1024, False, "5 MB"),
                                                   (int(2.5 * 1024 * 1024), False, "2,5 MB"),
                                                   (3 * 1024 * 1024 + 1, True, "3,0 MB")])
def test_sizes_are_told_in_german_megabytes(n, exact, text):
    assert size_text(n, exact=exact) == text
