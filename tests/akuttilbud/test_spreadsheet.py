import csv
import io

import pytest

from akuttilbud.spreadsheet import csv_line, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+45 1234", "'+45 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        ("-3", "-3"),
        (-3, "-3"),
        ("Anna", "Anna"),
        (None, ""),
        ("Anders;=2+5;", "Anders;'=2+5;"),
        ("Bo, -1+1", "Bo, '-1+1"),
    ],
)
def test_formula_leading_cells_get_an_apostrophe_and_numbers_do_not(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_cell_holding_either_separator_is_quoted_whatever_the_files_separator(delimiter):
    line = csv_line(["0101011234", "Anders;=2+5;", "Bo, Berg", 'say "hi"'], delimiter=delimiter)
    assert line == f'0101011234{delimiter}"Anders;\'=2+5;"{delimiter}"Bo, Berg"{delimiter}"say ""hi"""\r\n'
    # Read back with the other separator (Danish Excel opening a comma file), no cell starts a formula.
    for read_with in (",", ";"):
        for row in csv.reader(io.StringIO(line), delimiter=read_with):
            assert not any(cell.startswith("=") for cell in row)


def test_a_line_break_inside_a_cell_is_quoted_and_reads_back_whole():
    line = csv_line(["a\nb", "c"])
    assert list(csv.reader(io.StringIO(line))) == [["a\nb", "c"]]
