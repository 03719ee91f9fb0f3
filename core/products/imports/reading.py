"""A CSV file's bytes as a header and rows, or the reason it cannot be read.

UTF-8 with or without a byte order mark; the first line names the columns, of
``COLUMNS`` only, ``sku`` among them. Everything that makes the whole file
unusable raises ``BadFile`` with a message for the person who uploaded it.
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings

COLUMNS = (
    "sku",
    "name",
    "price",
    "quantity",
    "category",
    "supplier",
    "description",
    "cost_price",
    "expiry_date",
)
REQUIRED_COLUMNS = ("sku",)
# Byte order marks of UTF-16 (and so of UTF-32), which some programs save as "CSV".
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
# UTF-32's begin with UTF-16's little-endian one: looked at first.
UTF32_MARKS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
NOT_UTF8 = "%s. Save it as “CSV UTF-8” and upload it again."


class BadFile(Exception):
    """The file cannot be imported at all; nothing in it was looked at further."""


@dataclass(frozen=True)
class Row:
    line: int  # where the row ends in the file, as an editor numbers lines
    cells: tuple  # the texts as written, one per column if the row is whole


@dataclass(frozen=True)
class CsvFile:
    columns: tuple
    rows: tuple


def check_size(size):
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise BadFile(
            f"The file is {size:,} bytes; an import takes at most {limit:,} bytes. "
            "Split it into smaller files."
        )


def read_csv(data):
    """``CsvFile`` from the uploaded bytes, or ``BadFile``."""
    check_size(len(data))
    if not data.strip():
        raise BadFile("The file is empty.")
    if data.startswith(UTF32_MARKS):
        raise BadFile(NOT_UTF8 % "The file is UTF-32 text")
    if data.startswith(UTF16_MARKS):
        raise BadFile(NOT_UTF8 % "The file is UTF-16 text")
    if b"\0" in data:
        raise BadFile(
            "This is not a CSV file (it holds binary data). Save the sheet as "
            "“CSV UTF-8” and upload that."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        where = f"byte {error.start + 1:,} is not valid UTF-8"
        raise BadFile(NOT_UTF8 % f"The file is not UTF-8 text ({where})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = header(reader)
        rows = tuple(data_rows(reader))
    except csv.Error as error:
        raise BadFile(f"Line {reader.line_num}: this is not valid CSV ({error}).")
    if not rows:
        raise BadFile("The file has a header but no rows.")
    return CsvFile(columns=columns, rows=rows)


def header(reader):
    first = next(reader, None)
    names = tuple(name.strip().lower() for name in first or ())
    if not any(name in COLUMNS for name in names):
        raise BadFile(
            "The first line must be the header naming the columns, e.g. "
            f"“{','.join(COLUMNS)}”."
        )
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        listed = ", ".join(f"“{name}”" for name in unknown)
        raise BadFile(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {listed}. "
            f"The columns are {', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BadFile(f"The column “{repeated[0]}” is named twice in the header.")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise BadFile(f"The header has no “{missing[0]}” column; it is required.")
    return names


def data_rows(reader):
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, as spreadsheets leave at the end
        count += 1
        if count > limit:
            raise BadFile(
                f"The file has more than {limit:,} rows; an import takes at most "
                f"{limit:,}. Split it into smaller files."
            )
        yield Row(reader.line_num, tuple(cells))
