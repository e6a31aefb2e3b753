"""CPV and unit codes: how typed codes are read and how the official lists are parsed."""
import pytest

from einkauf.catalogue.codes import (
    ListFileError,
    is_cpv_format,
    parse_cpv_input,
    read_cpv_csv,
    read_rec20_csv,
    weighted_check_digit,
)

from support import reference_file


def reference(name: str):
    return reference_file(name)


@pytest.mark.parametrize("text", ["30192000-1", " 30192000-1", "30192000-1 \t", "\u00a030192000-1\n"])
def test_a_complete_cpv_code_is_read_with_or_without_surrounding_whitespace(text):
    parsed = parse_cpv_input(text)
    assert parsed is not None
    assert parsed.code == "30192000-1"
    assert parsed.digits == "30192000"


def test_a_code_without_check_digit_is_read_as_eight_digits_to_be_looked_up():
    parsed = parse_cpv_input(" 30192000 ")
    assert parsed is not None
    assert parsed.digits == "30192000"
    assert parsed.code is None  # the check digit comes from the official list, never from a formula


@pytest.mark.parametrize("text", [
    "", None, "   ", "3019200-1", "301920001-1", "30192000-12", "30192000-", "30192000 1", "30192000_1",
    "3019 2000-1", "٣٠١٩٢٠٠٠-١", "３０１９２０００-１", "30192000-١", "3019200O-1", "30192000–1", "-30192000-1",
    "30192000-1\x00", "30192000-1; DROP TABLE cpv_codes",
])
def test_anything_else_is_not_a_cpv_code(text):
    assert parse_cpv_input(text) is None


def test_format_check_accepts_only_ascii_digits_with_a_dash_before_the_check_digit():
    assert is_cpv_format("99999999-9")  # the format is fine; whether it exists is a lookup
    assert not is_cpv_format("١٢٣٤٥٦٧٨-9")
    assert not is_cpv_format("30192000")


def test_the_weighted_check_digit_formula_disagrees_with_some_official_codes():
    # Why codes are looked up and never computed: the official 03300000-2 fails the formula.
    assert weighted_check_digit("30192000") == 1
    assert weighted_check_digit("03300000") != 2


# --- the official CPV list -------------------------------------------------------------------

GOOD_CSV = '"code","name"\n"30192000-1","Bürobedarf"\n"30197630-1","Druckpapier"\n'


def test_a_well_formed_cpv_file_gives_code_and_label_rows():
    rows, errors = read_cpv_csv(GOOD_CSV.encode("utf-8"))
    assert errors == []
    assert rows == [("30192000-1", "Bürobedarf"), ("30197630-1", "Druckpapier")]


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted():
    rows, errors = read_cpv_csv(("\ufeff" + GOOD_CSV.replace("\n", "\r\n")).encode("utf-8"))
    assert errors == [] and len(rows) == 2


def test_each_bad_row_is_reported_once_with_its_line_number():
    text = (
        "code,name\n"
        "30192000-1,Bürobedarf\n"
        "3019200-1,Zu kurz\n"            # line 3
        "30192000-1,Doppelt\n"           # line 4
        "30197630-1,\n"                  # line 5
        "30199000-0\n"                   # line 6
        "٣٠١٩٧٦٣٠-1,Arabisch-indische Ziffern\n"  # line 7
        '"30237000-9","Teile mit ""Anführungszeichen"""\n'
    )
    rows, errors = read_cpv_csv(text.encode("utf-8"))
    assert [e.line for e in errors] == [3, 4, 5, 6, 7]
    assert str(errors[0]) == "Zeile 3: „3019200-1“ ist kein CPV-Code im Format 12345678-9."
    assert "bereits in Zeile 2" in errors[1].message
    assert "fehlt die Bezeichnung" in errors[2].message
    assert "2 Spalten" in errors[3].message
    assert rows[-1] == ("30237000-9", 'Teile mit "Anführungszeichen"')


def test_line_numbers_stay_right_after_a_label_that_spans_two_lines():
    text = 'code,name\n"30192000-1","zwei\nZeilen"\n"kaputt","x"\n'
    rows, errors = read_cpv_csv(text)
    assert [e.line for e in errors] == [4]
    assert rows == [("30192000-1", "zwei Zeilen")]


def test_control_characters_in_a_label_are_an_error():
    _, errors = read_cpv_csv('code,name\n"30192000-1","Büro\x07bedarf"\n')
    assert errors and errors[0].line == 2 and "Steuerzeichen" in errors[0].message


def test_a_label_longer_than_the_column_is_an_error():
    _, errors = read_cpv_csv(f'code,name\n"30192000-1","{"x" * 401}"\n')
    assert errors and "400 Zeichen" in errors[0].message


@pytest.mark.parametrize(("data", "message"), [
    (b"", "leer"),
    (b"kode;name\n30192000-1;x\n", "Kopfzeile"),
    ("code,name\n30192000-1,Büro\n".encode("latin-1"), "UTF-8"),
    (b'code,name\n"30192000-1,"offen\n', "fehlerhaft"),
])
def test_an_unreadable_file_is_refused_as_a_whole(data, message):
    with pytest.raises(ListFileError, match=message):
        read_cpv_csv(data)


def test_the_official_reference_list_has_9454_well_formed_codes():
    with reference("cpv-2008-de.csv").open("rb") as fh:
        rows, errors = read_cpv_csv(fh)
    assert errors == []
    assert len(rows) == 9454
    assert ("30192000-1", "Bürobedarf") in rows


# --- UN/ECE Recommendation 20 ----------------------------------------------------------------

REC20 = (
    "Status,CommonCode,Name,Description,LevelAndCategory,Symbol,ConversionFactor\n"
    ",H87,piece,,3.9,,\n"
    "X,PK,pack,,3.9,,\n"
    "D,ZZZ,old unit,,3.9,,\n"
    "¦,MNJ,Mega Joule per Normalised cubic Metre,,2.0,MJ/m³,\n"
    ",MWH,megawatt hour (1000\u00a0kW.h),,1S,MW·h,\n"
)


def test_rec20_keeps_valid_codes_and_skips_deprecated_and_deleted_ones():
    rows, errors, skipped = read_rec20_csv(REC20.encode("utf-8"))
    assert errors == []
    assert skipped == 2
    assert rows == [("H87", "piece", ""), ("MNJ", "Mega Joule per Normalised cubic Metre", "MJ/m³"),
                    ("MWH", "megawatt hour (1000 kW.h)", "MW·h")]


def test_rec20_reports_bad_codes_with_line_numbers():
    text = REC20 + ",h8,lower case,,3.9,,\n,H87,again,,3.9,,\n"
    _, errors, _ = read_rec20_csv(text)
    assert [e.line for e in errors] == [7, 8]


def test_rec20_file_without_the_needed_columns_is_refused():
    with pytest.raises(ListFileError, match="CommonCode"):
        read_rec20_csv("Status,Code,Name\n,H87,piece\n")


def test_the_reference_rec20_list_reads_without_errors():
    with reference("unece-rec20-units.csv").open("rb") as fh:
        rows, errors, skipped = read_rec20_csv(fh)
    assert errors == []
    codes = {code for code, _, _ in rows}
    assert {"H87", "C62", "RM", "LTR"} <= codes
    assert "PK" not in codes  # deleted from Rec 20; lives on as XPK (Rec 21)
    assert len(rows) + skipped == 2136
