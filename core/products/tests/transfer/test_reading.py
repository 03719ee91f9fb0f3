"""Whole files an import refuses before looking at any row, and what it reads."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest

from products.tests.transfer.sheets import ods_bytes, xlsx_bytes
from products.transfer.reading import (
    COLUMNS,
    MAX_BLANK_ROWS,
    MAX_COLUMNS,
    BadFile,
    read_csv,
    read_file,
)

pytestmark = pytest.mark.unit


def refusal(data):
    with pytest.raises(BadFile) as raised:
        read_file(data)
    return str(raised.value)


def zip_of(files):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        for name, data in files.items():
            written.writestr(name, data)
    return archive.getvalue()


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
            b"\x89PNG\r\n\x1a\n\x00binary", "This is not a CSV file", id="binary"
        ),
        pytest.param(
            "sku,name\nMUG-1,Café\n".encode("latin-1"),
            "The file is not UTF-8 text (byte 19 is not valid UTF-8)",
            id="latin-1",
        ),
        pytest.param(
            "sku\nCafé\n".encode("utf-32"),
            "The file is UTF-32 text, which the import does not read",
            id="utf-32",
        ),
        pytest.param(
            b"\x00\x00\xfe\xff" + "sku\nCafé\n".encode("utf-32-be"),
            "The file is UTF-32 text, which the import does not read",
            id="utf-32-big-endian",
        ),
        pytest.param(
            b"MUG-1,Blue Mug,9.99\n",
            "The first line must be the header naming the columns",
            id="no-header",
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
        "sku,name,price,quantity,category,supplier,description,cost_price,"
        "expiry_date,low_stock_threshold"
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_the_one_that_splits_the_header(delimiter):
    text = delimiter.join(["sku", "name", "description"]) + "\n"
    text += delimiter.join(["MUG-1", "Blue Mug", '"Big, round; blue"']) + "\n"
    csv_file = read_csv(text.encode())
    assert csv_file.columns == ("sku", "name", "description")
    assert csv_file.rows[0].cells == ("MUG-1", "Blue Mug", "Big, round; blue")


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"], ids=str
)
def test_unicode_text_as_spreadsheets_save_it(encoding):
    text = "sku\tname\tprice\r\nMUG-1\tCafé mug\t1,50\r\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with its byte order mark
        data = "\ufeff".encode(encoding) + data
    csv_file = read_csv(data)
    assert csv_file.columns == ("sku", "name", "price")
    assert csv_file.rows[0].cells == ("MUG-1", "Café mug", "1,50")


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(
            "sku\nA\n".encode("utf-32"),
            "The file is UTF-32 text, which the import does not read. "
            "Save it as “CSV UTF-8”",
            id="utf-32",
        ),
        pytest.param(
            "sku,name\nMUG-1,Café\n".encode("cp1252"),
            "Programs often save plain “CSV” as Windows-1252 (Latin-1).",
            id="windows-1252",
        ),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "This is an Excel 97–2003 workbook (.xls)",
            id="xls",
        ),
    ],
)
def test_encodings_and_formats_not_read_are_named(data, message):
    assert message in refusal(data)


def test_unknown_columns_and_empty_trailing_header_cells_are_ignored():
    csv_file = read_csv(
        b"sku,barcode,name,weight,,\nMUG-1,4006381333931,Mug,350 g,,\nTEA-1,1,Tea,1\n"
    )
    assert csv_file.columns == ("sku", "name")
    assert csv_file.ignored == ("barcode", "weight")
    assert csv_file.letters == ("A", "C")
    assert [row.cells for row in csv_file.rows] == [("MUG-1", "Mug"), ("TEA-1", "Tea")]


def test_header_names_may_be_written_as_words():
    csv_file = read_csv(b"SKU,Cost price,Low stock threshold\nA,1,2\n")
    assert csv_file.columns == ("sku", "cost_price", "low_stock_threshold")


def test_xlsx_reads_the_first_sheet_typed():
    data = xlsx_bytes(
        [
            ("SKU", "Name", "Price", "Quantity", "Expiry date", "Barcode", None),
            ("MUG-1", "Mug", 12.5, 48, datetime(2027, 6, 30), 4006381333931),
            (),
            ("TEA-1", "Tea", "$4.00"),
        ]
    )
    sheet = read_file(data)
    assert (sheet.kind, sheet.columns, sheet.ignored) == (
        "XLSX",
        ("sku", "name", "price", "quantity", "expiry_date"),
        ("barcode",),
    )
    assert [(row.line, row.cells) for row in sheet.rows] == [
        (2, ("MUG-1", "Mug", 12.5, 48, datetime(2027, 6, 30))),
        (4, ("TEA-1", "Tea", "$4.00", None, None)),
    ]


def test_ods_reads_the_first_sheet_typed_and_its_repeated_blanks_cheaply():
    data = ods_bytes(
        [
            ("sku", "name", "price", "expiry_date", "weight"),
            ("MUG-1", "Mug", Decimal("12.5"), date(2027, 6, 30), "350 g"),
            ("TEA-1", "Tea  leaves", "4,00", "30/06/2027", None),
        ],
        trailing_blank_rows=1_048_000,
        trailing_blank_columns=16_000,
    )
    sheet = read_file(data)
    assert (sheet.kind, sheet.columns, sheet.ignored) == (
        "ODS",
        ("sku", "name", "price", "expiry_date"),
        ("weight",),
    )
    assert [(row.line, row.cells) for row in sheet.rows] == [
        (2, ("MUG-1", "Mug", Decimal("12.5"), date(2027, 6, 30))),
        (3, ("TEA-1", "Tea  leaves", "4,00", "30/06/2027")),
    ]


def test_workbook_bombs_are_refused_or_read_bounded(settings):
    settings.IMPORT_MAX_BYTES = 100_000
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/workbook.xml", b"<" + b" " * 1_000_000 + b">")
    assert refusal(archive.getvalue()) == (
        "The workbook unpacks to 1,000,002 bytes; an import reads at most 800,000. "
        "Save it as “CSV UTF-8”, or split it into smaller files."
    )
    # A sheet whose formatting goes on for a million rows, a row 300 cells wide.
    wide = [("sku", "name", *[f"c{n}" for n in range(300)])]
    rows = [*wide, ("MUG-1", "Mug"), *[()] * 2_000, ("TEA-1", "Tea")]
    sheet = read_file(xlsx_bytes(rows))
    assert len(sheet.ignored) == MAX_COLUMNS - 2  # the rest never read
    assert [row.cells for row in sheet.rows] == [("MUG-1", "Mug")]  # ends at blanks
    assert MAX_BLANK_ROWS < 2_000


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(b"PK\x03\x04broken", "This file is damaged", id="damaged-zip"),
        pytest.param(
            zip_of({"word/document.xml": b"<x/>"}),
            "This is a ZIP archive but not an .xlsx or .ods workbook.",
            id="other-zip",
        ),
        pytest.param(
            zip_of({"xl/workbook.xml": b"<not a workbook"}),
            "The .xlsx workbook cannot be read",
            id="damaged-xlsx",
        ),
    ],
)
def test_archives_that_are_not_workbooks(data, message):
    assert message in refusal(data)


def test_an_ods_gets_a_smaller_unpacked_bound(settings):
    settings.IMPORT_MAX_BYTES = 100_000
    content = b"<" + b" " * 500_000 + b">"
    data = zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": content,
        }
    )
    assert "an import reads at most 400,000" in refusal(data)
