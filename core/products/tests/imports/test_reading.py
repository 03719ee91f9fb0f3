"""Whole files an import refuses before looking at any row, and what it reads."""

import pytest

from products.imports.reading import COLUMNS, BadFile, read_csv

pytestmark = pytest.mark.unit


def refusal(data):
    with pytest.raises(BadFile) as raised:
        read_csv(data)
    return str(raised.value)


def test_reads_the_header_and_rows_with_or_without_a_byte_order_mark():
    plain = b"sku,name\r\nMUG-1,Blue Mug\r\n"
    for data in (plain, b"\xef\xbb\xbf" + plain):
        csv_file = read_csv(data)
        assert csv_file.columns == ("sku", "name")
        assert [(row.line, row.cells) for row in csv_file.rows] == [
            (2, ("MUG-1", "Blue Mug"))
        ]


def test_header_names_are_read_in_any_case_and_blank_lines_are_skipped():
    csv_file = read_csv(b" SKU ,Price\n\nMUG-1,2\n,\n")
    assert csv_file.columns == ("sku", "price")
    assert len(csv_file.rows) == 1


def test_quoted_cells_may_hold_commas_and_line_breaks():
    csv_file = read_csv('sku,description\nMUG-1,"Blue, big\nand round"\n'.encode())
    assert csv_file.rows[0].cells == ("MUG-1", "Blue, big\nand round")


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"  \n\n", "The file is empty.", id="blank"),
        pytest.param(
            b"PK\x03\x04\x00\x00binary", "This is not a CSV file", id="binary"
        ),
        pytest.param(
            "sku,name\nMUG-1,Café\n".encode("latin-1"),
            "The file is not UTF-8 text (byte 19 is not valid UTF-8)",
            id="latin-1",
        ),
        pytest.param(
            "sku\nCafé\n".encode("utf-32"),
            "The file is UTF-32 text. Save it as “CSV UTF-8”",
            id="utf-32",
        ),
        pytest.param(
            b"\x00\x00\xfe\xff" + "sku\nCafé\n".encode("utf-32-be"),
            "The file is UTF-32 text. Save it as “CSV UTF-8”",
            id="utf-32-big-endian",
        ),
        pytest.param(
            b"MUG-1,Blue Mug,9.99\n",
            "The first line must be the header naming the columns",
            id="no-header",
        ),
        pytest.param(
            b"sku,colour,size\nMUG-1,blue,L\n",
            "Unknown columns “colour”, “size”. The columns are sku, name,",
            id="unknown-columns",
        ),
        pytest.param(
            b"sku,price,price\nMUG-1,1,2\n",
            "The column “price” is named twice",
            id="repeated-column",
        ),
        pytest.param(
            b"name,price\nBlue Mug,1\n",
            "The header has no “sku” column; it is required.",
            id="no-sku-column",
        ),
        pytest.param(
            b"sku,name\n", "The file has a header but no rows.", id="header-only"
        ),
        pytest.param(
            b'sku,name\nMUG-1,"Blue"Mug\n',
            "Line 2: this is not valid CSV",
            id="bad-quoting",
        ),
    ],
)
def test_unusable_files_are_refused_with_the_reason(data, message):
    assert message in refusal(data)


def test_size_and_row_limits_are_stated(settings):
    settings.IMPORT_MAX_BYTES = 100
    assert refusal(b"sku\n" + b"A\n" * 60) == (
        "The file is 124 bytes; an import takes at most 100 bytes. "
        "Split it into smaller files."
    )
    settings.IMPORT_MAX_BYTES = 10_000
    settings.IMPORT_MAX_ROWS = 3
    assert read_csv(b"sku\nA\nB\nC\n").rows[-1].cells == ("C",)
    assert refusal(b"sku\nA\nB\nC\nD\n") == (
        "The file has more than 3 rows; an import takes at most 3. "
        "Split it into smaller files."
    )


def test_the_documented_columns():
    assert ",".join(COLUMNS) == (
        "sku,name,price,quantity,category,supplier,description,cost_price,expiry_date"
    )
