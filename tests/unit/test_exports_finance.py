"""The pure finance export generators and column profiles (no database)."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from einkauf.cells import MAX_CELL_CHARS
from einkauf.exports.finance import ExportInfo, download_name, fiscal_year
from einkauf.exports.finance_columns import DEFAULT_COLUMNS, FinanceRow
from einkauf.exports.finance_csv import (
    EXPORT_FIELDS,
    MEMBER_FIELDS,
    POSITION_FIELDS,
    FinanceLines,
    finance_lines,
    write_finance_csv,
    write_finance_csv_lines,
)
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, ProfileInvalid, get_profile, list_profiles, parse_profile
from einkauf.exports.finance_xlsx import write_finance_xlsx

INFO = ExportInfo(round_code="2027", round_title="Bedarf 2027", generated_at=datetime(2026, 12, 31, 23, 30,
                                                                                      tzinfo=UTC))
HEADERS = [c.header for c in DEFAULT_COLUMNS]


def row(**changes) -> FinanceRow:
    base = FinanceRow(
        fiscal_year="2027", member_name="Stadt Essen", ags="05113000", delivery_site="Rathaus", cost_centre="0815",
        budget_account="5210", reference="", lot_number="1", lot_title="Papier", position=1, product_number="P-1",
        short_text="Kopierpapier", cpv_code="30197630-1", quantity_thousandths=1500, unit="Stück",
        unit_price_cents=33, net_cents=50, vat_rate_hundredths=1900, vat_cents=10, gross_cents=60,
        price_basis="Schätzpreis", round_code="2027", unit_code="H87")
    return base._replace(**changes)


def csv_text(rows, profile=DEFAULT_PROFILE) -> str:
    out = io.BytesIO()
    write_finance_csv(iter(rows), out, profile, INFO)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf") == profile.bom
    return data.decode("utf-8-sig")


def workbook(rows, **kwargs):
    out = io.BytesIO()
    totals = write_finance_xlsx(iter(rows), out, DEFAULT_PROFILE, INFO, **kwargs)
    return load_workbook(io.BytesIO(out.getvalue())), totals


# --- CSV -------------------------------------------------------------------------------------

def test_csv_uses_semicolons_decimal_commas_crlf_and_the_documented_headers():
    text = csv_text([row()])
    assert text.split("\r\n") == [
        ";".join(HEADERS),
        "2027;Stadt Essen;05113000;Rathaus;0815;5210;;1;Papier;1;P-1;Kopierpapier;30197630-1;1,500;Stück;0,33;0,50;"
        "19,00;0,10;0,60;Schätzpreis",
        "",
    ]


def test_csv_quotes_per_rfc_4180_and_reads_back_unchanged():
    awkward = 'Lager; Halle "Nord"\r\nRampe 2'
    text = csv_text([row(delivery_site=awkward, short_text='12" Monitor')])
    assert '"Lager; Halle ""Nord""\r\nRampe 2"' in text
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert parsed[1][3] == awkward and parsed[1][11] == '12" Monitor'


def test_large_and_negative_amounts_are_exact_strings():
    text = csv_text([row(net_cents=123456789012345, vat_cents=-5, gross_cents=0, quantity_thousandths=7)])
    fields = text.split("\r\n")[1].split(";")
    assert fields[HEADERS.index("Gesamt netto")] == "1234567890123,45"
    assert fields[HEADERS.index("USt")] == "-0,05"
    assert fields[HEADERS.index("Gesamt brutto")] == "0,00"
    assert fields[HEADERS.index("Menge")] == "0,007"


@pytest.mark.parametrize("text", ["=SUMME(A1)", "+49 201", "-100", "@Kasse", "\tTab", "\rCR"])
def test_csv_guards_text_that_a_spreadsheet_would_run_as_a_formula(text):
    fields = list(csv.reader(io.StringIO(csv_text([row(cost_centre=text)]), newline=""), delimiter=";"))[1]
    assert fields[HEADERS.index("Kostenstelle")] == "'" + text
    assert fields[HEADERS.index("Gesamt netto")] == "0,50"  # numbers are never guarded


def test_a_profile_can_turn_the_guard_off_and_change_separators_dates_and_columns():
    profile = parse_profile('[format]\ndecimal_separator = "."\nthousands_separator = ","\ndate = "JJJJ-MM-TT"\n'
                            '[csv]\ndelimiter = "tab"\nformula_guard = false\nbom = false\n'
                            '[[columns]]\ncolumn = "Belegdatum"\nheader = "BLDAT"\n'
                            '[[columns]]\ncolumn = "Kostenstelle"\n'
                            '[[columns]]\ncolumn = "Gesamt brutto"\nheader = "WRBTR"\n', "sap")
    text = csv_text([row(cost_centre="-100", gross_cents=123456789)], profile)
    # 23:30 UTC on 31 December is already 1 January in Germany.
    assert text.split("\r\n")[:2] == ["BLDAT\tKostenstelle\tWRBTR", "2027-01-01\t-100\t1,234,567.89"]


# --- xlsx ------------------------------------------------------------------------------------

def test_formula_like_text_and_error_literals_are_written_as_text():
    wb, _ = workbook([row(delivery_site="=1+1", short_text="#N/A", cost_centre="-100", budget_account="@SUM(A1)")])
    cells = dict(zip(HEADERS, wb["Kostenaufteilung"][2], strict=False))
    for header, value in (("Lieferstelle", "=1+1"), ("Bezeichnung", "#N/A"), ("Kostenstelle", "-100"),
                          ("Sachkonto", "@SUM(A1)")):
        assert cells[header].value == value and cells[header].data_type == "s", header
    assert cells["Lieferstelle"].quotePrefix


def test_characters_excel_cannot_store_are_removed_and_long_text_is_cut_not_crashed_on():
    wb, totals = workbook([row(short_text="Pa\x00pi\x1ber", lot_title="x" * 40000)])
    cells = dict(zip(HEADERS, wb["Kostenaufteilung"][2], strict=False))
    assert cells["Bezeichnung"].value == "Papier"
    assert len(cells["Los-Titel"].value) == MAX_CELL_CHARS
    assert totals.rows == 1


def test_amounts_are_numbers_with_a_euro_format_and_codes_keep_leading_zeros():
    wb, _ = workbook([row(net_cents=1, unit_price_cents=33)])
    cells = dict(zip(HEADERS, wb["Kostenaufteilung"][2], strict=False))
    assert cells["Gesamt netto"].value == pytest.approx(0.01) and cells["Gesamt netto"].data_type == "n"
    assert cells["Gesamt netto"].number_format == '#,##0.00 "€"'
    assert cells["AGS"].value == "05113000" and cells["Sachkonto"].value == "5210"


def test_sums_per_member_and_lot_equal_the_detail_sums_to_the_cent():
    rows = [row(net_cents=n, vat_cents=v, gross_cents=n + v, lot_number=lot)
            for n, v, lot in ((33, 6, "1"), (33, 6, "1"), (34, 6, "1"), (1, 0, "2"))]
    wb, totals = workbook(rows)
    summary = list(wb["Summen"].iter_rows(values_only=True))
    assert summary[1][:5] == ("Stadt Essen", "05113000", "1", "Papier", 3)
    assert Decimal(repr(summary[1][5])) == Decimal("1.00") and Decimal(repr(summary[2][5])) == Decimal("0.01")
    assert summary[-1][0] == "Summe" and Decimal(repr(summary[-1][5])) == totals.net == Decimal("1.01")


def test_sheets_overflow_with_header_and_table_each_and_nothing_is_cut_off():
    rows = [row(position=i) for i in range(1, 8)]
    wb, totals = workbook(rows, rows_per_sheet=3)
    details = [n for n in wb.sheetnames if n.startswith("Kostenaufteilung")]
    assert details == ["Kostenaufteilung", "Kostenaufteilung 2", "Kostenaufteilung 3"]
    positions = []
    for name in details:
        ws = wb[name]
        assert [c.value for c in ws[1]] == HEADERS and ws.freeze_panes == "A2" and len(ws.tables) == 1
        positions += [r[HEADERS.index("Position")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert positions == list(range(1, 8)) and totals.sheets == 3


def test_an_empty_export_is_a_valid_workbook_with_headers():
    wb, totals = workbook([])
    assert totals.rows == 0 and [c.value for c in wb["Kostenaufteilung"][1]] == HEADERS
    assert next(iter(wb["Kostenaufteilung"].tables.values())).ref == "A1:U2"


# --- rules -----------------------------------------------------------------------------------

def test_the_fiscal_year_is_the_round_code_when_it_is_a_year_else_the_year_after_the_deadline():
    deadline = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 January 2027 in Germany
    assert fiscal_year("2027", deadline) == "2027"
    assert fiscal_year("Herbst 26", datetime(2026, 10, 1, tzinfo=UTC)) == "2027"
    assert fiscal_year("R1", deadline) == "2028"
    assert fiscal_year("２０２７", deadline) == "2028"  # full-width digits are not a year


def test_download_names_are_ascii_and_set_by_us():
    assert download_name("2027", None, "xlsx") == "Kostenaufteilung_2027.xlsx"
    assert download_name("Ä/../b", "05111000", "csv") == "Kostenaufteilung______b_05111000.csv"


# --- profiles --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('[[columns]]\ncolumn = "Gibtsnicht"\n', "unbekannte Spalte"),
    ('[[columns]]\ncolumn = "AGS"\n[[columns]]\ncolumn = "AGS"\n', "doppelt"),
    ('[[columns]]\ncolumn = "AGS"\nheader = "X"\n[[columns]]\ncolumn = "Mitglied"\nheader = "x"\n', "doppelt"),
    ('[format]\ndate = "DD.MM.YYYY"\n[[columns]]\ncolumn = "AGS"\n', "format.date"),
    ('[format]\ndecimal_separator = ","\n[csv]\ndelimiter = ","\n[[columns]]\ncolumn = "AGS"\n', "Trennzeichen"),
    ('[csv]\nbom = "ja"\n[[columns]]\ncolumn = "AGS"\n', "true oder false"),
    ('farbe = "rot"\n[[columns]]\ncolumn = "AGS"\n', "unbekannte Angabe"),
    ('title = "x"\n', "[[columns]] fehlt"),
    ("[[columns]\n", "keine gültige TOML-Datei"),
])
def test_unusable_profiles_are_refused_with_a_german_reason(text, message):
    with pytest.raises(ProfileInvalid, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_profile(text, "test")


def test_profile_names_are_checked_before_they_come_near_the_file_system(tmp_path):
    (tmp_path / "secret.toml").write_text('[[columns]]\ncolumn = "AGS"\n', encoding="utf-8")
    for name in ("../secret", "/etc/passwd", "Gross", "a" * 41):
        with pytest.raises(ProfileInvalid, match="unzulässiger Name"):
            get_profile(tmp_path / "instance", name)
    with pytest.raises(ProfileInvalid, match="reserviert"):
        parse_profile('[[columns]]\ncolumn = "AGS"\n', "standard")
    assert get_profile(tmp_path, "") is DEFAULT_PROFILE and get_profile(tmp_path, "standard") is DEFAULT_PROFILE


def test_the_profile_folder_lists_good_profiles_and_names_the_bad_ones(tmp_path):
    folder = tmp_path / "export_profiles"
    folder.mkdir()
    (folder / "sap.toml").write_text('title = "SAP"\n[[columns]]\ncolumn = "AGS"\n', encoding="utf-8")
    (folder / "kaputt.toml").write_text('[[columns]]\ncolumn = "Nichts"\n', encoding="utf-8")
    (folder / "Gross.toml").write_text('[[columns]]\ncolumn = "AGS"\n', encoding="utf-8")
    profiles, problems = list_profiles(tmp_path)
    assert [p.name for p in profiles] == ["standard", "sap"]
    assert profiles[1].headers == ["AGS"] and profiles[1].title == "SAP"
    assert len(problems) == 2 and any("kaputt.toml" in p for p in problems) and any("Gross.toml" in p for p in problems)


# --- the bytes, pinned -----------------------------------------------------------------------

TEXTS = ("Kopierpapier", "=SUMME(A1)", "+49 201", "-100", "@Kasse", "\tTab", "\rCR", 'Lager; Halle "Nord"',
         "Rampe\r\n2", "Gebäude Süd – Straße", "", "'schon", "a;b", '"', "0815", "Ölfass 200 l")


def generated_rows(count: int = 3000) -> list[FinanceRow]:
    """Rows with every awkward text in every text column and amounts from 0 to billions, members
    and lots interleaved (not sorted), made by arithmetic so that they never change."""
    rows = []
    for i in range(count):
        def text(k: int, i: int = i) -> str:
            return TEXTS[(i * 7 + k * 3) % len(TEXTS)]

        net = (i * 7919) % 100_000 if i % 11 else 10 ** (i % 15)
        vat = (net * 1900 + 5000) // 10000 if i % 13 else -((i * 31) % 500)
        rows.append(FinanceRow(
            fiscal_year="2027", member_name=text(1) + f" {i % 5}", ags=f"{5113000 + i % 5:08d}",
            delivery_site=text(2), cost_centre=text(3), budget_account=text(4), reference="VG-2027-0001",
            lot_number=str(1 + (i * 3) % 4), lot_title=text(5), position=i % 97, product_number=text(6),
            short_text=text(7), cpv_code="30197630-1", quantity_thousandths=(i * 333) % 1_000_001,
            unit=text(8), unit_price_cents=(i * 3333) % 250_001, net_cents=net,
            vat_rate_hundredths=(1900, 700, 0, 1650)[i % 4], vat_cents=vat, gross_cents=net + vat,
            price_basis="Schätzpreis", round_code="2027", unit_code=("H87", "", "KGM")[i % 3]))
    return rows


def digest(rows, profile=DEFAULT_PROFILE) -> tuple[str, int, int, int, int, str]:
    import hashlib

    out = io.BytesIO()
    totals = write_finance_csv(iter(rows), out, profile, INFO)
    by_key = hashlib.sha256(repr(list(totals.by_member_lot.items())).encode()).hexdigest()[:16]
    return (hashlib.sha256(out.getvalue()).hexdigest()[:16], totals.rows, totals.net_cents, totals.vat_cents,
            totals.gross_cents, by_key)


GROUPED = parse_profile('[format]\ndecimal_separator = "."\nthousands_separator = "\'"\n[csv]\ndelimiter = ","\n'
                        + "".join(f'[[columns]]\ncolumn = "{c.header}"\n' for c in reversed(DEFAULT_COLUMNS))
                        + '[[columns]]\ncolumn = "Belegdatum"\n[[columns]]\ncolumn = "Einheit-Code"\n', "grouped")
UNGUARDED = parse_profile('[csv]\nformula_guard = false\nbom = false\nheader = false\n[[columns]]\ncolumn = "USt"\n'
                          '[[columns]]\ncolumn = "Lieferstelle"\n[[columns]]\ncolumn = "Bezeichnung"\n', "unguarded")


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (
            DEFAULT_PROFILE,
            ("1e3e10ed7a784d2a", 3000, 2000100146038547, 358905805682905, 2359005951721452, "9fdb22268be027a8"),
        ),
        (GROUPED, ("34650bb202b211a2", 3000, 2000100146038547, 358905805682905, 2359005951721452, "9fdb22268be027a8")),
        (
            UNGUARDED,
            ("807cb5428f76fd2b", 3000, 2000100146038547, 358905805682905, 2359005951721452, "9fdb22268be027a8"),
        ),
    ],
)
def test_the_csv_of_a_generated_dataset_is_exactly_the_bytes_it_always_was(profile, expected):
    # Taken from the writer before it was made faster (csv.writer per row); any change to the
    # file format shows up here.
    assert digest(generated_rows(), profile) == expected


def keyed(rows: list[FinanceRow]) -> FinanceLines:
    """The rows as the export service passes them: members, sites and positions by integer id."""
    members, sites, positions, lines = {}, {}, {}, []
    for r in rows:
        def key(table: dict, values: tuple) -> int:
            for id_, known in table.items():
                if known == values:
                    return id_
            table[len(table) + 1000] = values
            return len(table) + 999

        lines.append((key(members, tuple(getattr(r, f) for f in MEMBER_FIELDS)), key(sites, (r.delivery_site,)),
                      key(positions, tuple(getattr(r, f) for f in POSITION_FIELDS)), r.cost_centre, r.budget_account,
                      r.quantity_thousandths, r.net_cents, r.vat_cents, r.gross_cents))
    return FinanceLines(iter(lines), members, sites, positions, tuple(getattr(rows[0], f) for f in EXPORT_FIELDS))


@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, GROUPED, UNGUARDED])
def test_lines_keyed_by_id_give_the_same_bytes_and_totals_as_the_full_rows(profile):
    rows = generated_rows(600)
    full, compact = io.BytesIO(), io.BytesIO()
    totals = write_finance_csv(iter(rows), full, profile, INFO)
    compact_totals = write_finance_csv_lines(keyed(rows), compact, profile, INFO)
    assert compact.getvalue() == full.getvalue()
    assert compact_totals == totals and totals.rows == 600


def test_the_rows_of_one_export_share_fiscal_year_reference_price_basis_and_round():
    with pytest.raises(ValueError, match="einer Bedarfsabfrage"):
        list(finance_lines([row(), row(reference="VG-1")]).lines)
    assert csv_text([]) == ";".join(HEADERS) + "\r\n"


# --- the reconciliation per lot (R22) -----------------------------------------------------------

def test_the_reconciliation_csv_follows_the_profile_and_guards_titles():
    from einkauf.exports.finance import LotValues
    from einkauf.exports.finance_csv import write_reconciliation_csv

    profile = parse_profile('[format]\ndecimal_separator = "."\nthousands_separator = ","\n'
                            '[csv]\ndelimiter = "|"\nbom = false\n[[columns]]\ncolumn = "AGS"\n', "punkt")
    lots = [LotValues("1", "=Papier", Decimal("1234.56"), 48, Decimal("4938.24"), Decimal("4938.20")),
            LotValues("2", "Toner", Decimal("0.01"), 18, Decimal("0.02"), Decimal("0.02"))]
    out = io.BytesIO()
    write_reconciliation_csv(lots, {"1": (3, 123456), "2": (1, 1)}, out, profile)
    lines = out.getvalue().decode("utf-8").split("\r\n")
    assert lines[1].startswith("1|'=Papier|3|1,234.56|1,234.56|0.00|48|4,938.24|4,938.20|-0.04|Rundung: § 3 VgV")
    assert lines[2] == "2|Toner|1|0.01|0.01|0.00|18|0.02|0.02|0.00|"
    assert lines[3].startswith("Summe||4|1,234.57|1,234.57|0.00||4,938.26|4,938.22|-0.04|Rundung")


def test_the_info_sheet_shows_a_lot_whose_rows_miss_the_plan_value_as_a_difference():
    from einkauf.exports.finance import LotValues

    info = ExportInfo(round_code="2027", round_title="Bedarf 2027", generated_at=INFO.generated_at,
                      lots=(LotValues("1", "Papier", Decimal("0.51"), 48, Decimal("2.04"), Decimal("2.00")),))
    out = io.BytesIO()
    write_finance_xlsx(iter([row()]), out, DEFAULT_PROFILE, info)
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(out.getvalue()))["Info"].iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Los")
    assert rows[start + 1] == ["1", "Papier", 1, 0.5, 0.51, -0.01, 48, 2.04, 2, -0.04]
