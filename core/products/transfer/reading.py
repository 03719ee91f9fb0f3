"""An uploaded file's bytes as a header and rows, or the reason it cannot be read.

CSV (comma, semicolon or tab, told apart by which one splits the header into
known columns), in UTF-8 with or without a byte order mark or in UTF-16 with
one, as spreadsheets save "Unicode text"; an ``.xlsx`` workbook (openpyxl,
read-only) or an ``.ods`` one (odfpy): the first sheet. Told apart by their
bytes, not by the file's name. The first row names the columns; columns the
import does not know are ignored and named, ``sku`` is required.

A CSV file's rows are not kept: they are read once to check the file, then
again each time they are iterated (``CsvRows``), so a 100,000-row import holds
the file's text and the rows of the chunk it is planning, not every row.

Bounded: the file's bytes (``IMPORT_MAX_BYTES``), what a workbook unpacks to,
the columns and rows read (``IMPORT_MAX_ROWS``, and a sheet ends after
``MAX_BLANK_ROWS`` empty rows in a row, as formatting leaves them by the
thousand). Everything that makes the whole file unusable raises ``BadFile``
with a message for the person who uploaded it.
"""

import csv
import io
import re
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Optional

from django.conf import settings

from products.transfer.cell_values import as_text, unescape_formula

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
    "low_stock_threshold",
)
REQUIRED_COLUMNS = ("sku",)
DELIMITERS = (",", ";", "\t")
# Byte order marks. UTF-32's begin as UTF-16's do: looked at first.
UTF32_MARKS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
UTF8_MARK = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 and other old formats
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
NOT_UTF8 = "%s. Save it as “CSV UTF-8” and upload it again."
# A workbook row is read this many cells wide at most; the import has ten columns.
MAX_COLUMNS = 64
MAX_BLANK_ROWS = 1_000
# A workbook may unpack to this many times the byte limit (text compresses about
# tenfold); beyond that it is a bomb or far more than an import takes. odfpy
# builds the whole document in memory, slowly (10,000 rows of ten columns,
# 10.7 MB unpacked: about 35 s and 70 MB here), so an .ods gets less.
UNPACKED_FACTOR = 8
ODS_UNPACKED_FACTOR = 4


# Set by ``larger_limits`` (``manage.py import_products --max-rows``): the
# page's limits, else.
_limits: ContextVar[Optional[tuple[int, int]]] = ContextVar(
    "import_limits", default=None
)


@contextmanager
def larger_limits(rows):
    """Within it, files of up to ``rows`` rows (and the bytes as many rows take
    at the page's ratio of bytes to rows) are read: the shell may import more
    than the page, bounded by ``IMPORT_COMMAND_MAX_ROWS``."""
    rows = min(rows, settings.IMPORT_COMMAND_MAX_ROWS)
    ratio = settings.IMPORT_MAX_BYTES / settings.IMPORT_MAX_ROWS
    token = _limits.set((rows, max(settings.IMPORT_MAX_BYTES, int(rows * ratio))))
    try:
        yield
    finally:
        _limits.reset(token)


def max_rows():
    limits = _limits.get()
    return limits[0] if limits else settings.IMPORT_MAX_ROWS


def max_bytes():
    limits = _limits.get()
    return limits[1] if limits else settings.IMPORT_MAX_BYTES


class BadFile(Exception):
    """The file cannot be imported at all; nothing in it was looked at further."""


@dataclass(frozen=True)
class Row:
    line: int  # the file's line (CSV) or the sheet's row number (workbooks)
    cells: tuple  # one value per column, as written (text, or a workbook's number/date)
    problem: str = ""  # why its cells cannot be told apart, if so


class CsvRows:
    """A CSV file's data rows, read again from its text each time they are
    iterated: the file was checked whole when it was read (its size, its rows,
    its quoting), so iterating raises nothing."""

    def __init__(self, lines, skip, names, kept, count):
        self.lines = lines  # () -> (line, cells) pairs from the file's start
        self.skip = skip  # pairs up to and including the header
        self.names, self.kept, self.count = names, kept, count

    def __iter__(self):
        lines = self.lines()
        for _ in range(self.skip):
            next(lines)
        return data_rows(lines, self.names, self.kept, pad=False)

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return tuple(self)[index]


@dataclass(frozen=True)
class CsvFile:
    """A read file, CSV or workbook: the columns the import reads, in file
    order, the rows, and the header cells it ignores (named for the preview)."""

    columns: tuple
    rows: object  # Row objects: a tuple, or ``CsvRows`` (iterable again, sized)
    ignored: tuple = ()
    kind: str = "CSV"
    letters: tuple = ()  # each column's spreadsheet letter (A, B ...)


def check_size(size):
    limit = max_bytes()
    if size > limit:
        raise BadFile(
            f"The file is {size:,} bytes; an import takes at most {limit:,} bytes. "
            "Split it into smaller files."
        )


def read_file(data):
    """``CsvFile`` from the uploaded bytes of any format taken, or ``BadFile``."""
    check_size(len(data))
    if data.startswith(ZIP_MAGIC):
        return read_workbook(data)
    if data.startswith(OLE_MAGIC):
        raise BadFile(
            "This is an Excel 97–2003 workbook (.xls), which the import does not "
            "read. Save it as .xlsx or as “CSV UTF-8” and upload that."
        )
    return read_csv(data)


def read_csv(data):
    """``CsvFile`` from a CSV file's bytes, or ``BadFile``."""
    check_size(len(data))
    text = decode(data)
    if not text.strip():
        raise BadFile("The file is empty.")
    delimiter = sniff_delimiter(text)

    def lines():
        reader = csv.reader(text_lines(text), delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                yield reader.line_num, [unescape_formula(cell) for cell in cells]
        except csv.Error as error:
            raise BadFile(
                f"Line {reader.line_num}: this is not valid CSV ({error})."
            ) from None

    return table(lines, kind="CSV", pad=False, keep=False)


# A line and its ending, as ``io.StringIO(text, newline="")`` splits them (which
# would hold a copy of the text four bytes a character).
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def text_lines(text):
    return (match.group() for match in LINE.finditer(text))


def decode(data):
    if not data.strip():
        raise BadFile("The file is empty.")
    if data.startswith(UTF32_MARKS):
        raise BadFile(
            NOT_UTF8 % "The file is UTF-32 text, which the import does not read"
        )
    if data.startswith(UTF8_MARK):
        codec = "utf-8-sig"
    elif data.startswith(UTF16_MARKS):
        codec = "utf-16"  # the mark says which byte order
    elif b"\0" in data:
        raise BadFile(
            "This is not a CSV file (it holds binary data). Save the sheet as "
            "“CSV UTF-8” (or as .xlsx or .ods) and upload that."
        )
    else:
        codec = "utf-8"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if codec == "utf-16":
            raise BadFile(NOT_UTF8 % "The file is not valid UTF-16 text") from None
        where = f"byte {error.start + 1:,} is not valid UTF-8"
        raise BadFile(
            NOT_UTF8 % f"The file is not UTF-8 text ({where})"
            + " Programs often save plain “CSV” as Windows-1252 (Latin-1)."
        ) from None


def sniff_delimiter(text):
    """The delimiter that splits the header into the most known columns."""
    first = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""

    def known(delimiter):
        names = next(csv.reader([first], delimiter=delimiter), [])
        return sum(column_name(name) in COLUMNS for name in names)

    return max(DELIMITERS, key=known)  # ties: the first, the comma


def column_name(cell):
    """A header cell as a column name: any case, spaces as underscores."""
    return "_".join(as_text(cell).strip().lower().split())


def letter(index):
    """The spreadsheet letter of a 0-based column index (A, ..., Z, AA ...)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def table(lines, *, kind, pad, keep=True):
    """A ``CsvFile`` from ``lines()``, ``(line, cells)`` pairs: the first
    non-blank one is the header. Workbook rows (``pad``) may stop short of the
    header's width. Every row is read here, so that a file that cannot be
    imported is refused now; ``keep``: they are kept, else read again from
    ``lines()`` when iterated (``CsvRows``)."""
    rows = lines()
    skip = 0
    for line, cells in rows:
        skip += 1
        if not is_blank(cells):
            break
    else:
        raise BadFile("The file is empty.")
    names = [column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # empty trailing header cells: nothing there
    kept = [index for index, name in enumerate(names) if name in COLUMNS]
    columns = tuple(names[index] for index in kept)
    check_header(columns)
    ignored = tuple(
        name or f"column {letter(index)} (no name)"
        for index, name in enumerate(names)
        if name not in COLUMNS
    )
    read = data_rows(rows, names, kept, pad)
    if keep:
        read = tuple(read)
        count = len(read)
    else:
        count = sum(1 for _ in read)
        read = CsvRows(lines, skip, names, kept, count)
    if not count:
        raise BadFile("The file has a header but no rows.")
    return CsvFile(
        columns=columns,
        rows=read,
        ignored=ignored,
        kind=kind,
        letters=tuple(letter(index) for index in kept),
    )


def check_header(columns):
    if not columns:
        raise BadFile(
            "The first line must be the header naming the columns, e.g. "
            f"“{','.join(COLUMNS)}”."
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise BadFile(f"The column “{repeated[0]}” is named twice in the header.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BadFile(f"The header has no “{missing[0]}” column; it is required.")


def is_blank(cells):
    return not any(as_text(cell).strip() for cell in cells)


def data_rows(rows, names, kept, pad):
    limit = max_rows()
    width = len(names)
    count = 0
    for line, cells in rows:
        if is_blank(cells):
            continue  # blank lines, as spreadsheets leave at the end
        count += 1
        if count > limit:
            raise BadFile(
                f"The file has more than {limit:,} rows; an import takes at most "
                f"{limit:,}. Split it into smaller files."
            )
        cells = list(cells)
        beyond = cells[width:]
        if (len(cells) < width and not pad) or not is_blank(beyond):
            problem = (
                f"This row has {len(cells)} cells; the header names {width} columns."
            )
            yield Row(line, (), problem)
            continue
        cells += [None] * (width - len(cells))
        yield Row(line, tuple(cells[index] for index in kept))


def read_workbook(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
        mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError):
        raise BadFile(
            "This file is damaged: it starts as a ZIP archive (as .xlsx "
            "and .ods do) but cannot be opened as one."
        ) from None
    factor = ODS_UNPACKED_FACTOR if mimetype == ODS_MIMETYPE else UNPACKED_FACTOR
    limit = max_bytes() * factor
    if unpacked > limit:
        raise BadFile(
            f"The workbook unpacks to {unpacked:,} bytes; an import reads at most "
            f"{limit:,}. Save it as “CSV UTF-8”, or split it into smaller files."
        )
    if mimetype == ODS_MIMETYPE:
        # Workbooks are read once and their rows kept: odfpy holds the whole
        # document anyway, and their unpacked size is bounded more tightly.
        return table(lambda: until_blank_run(ods_rows(data)), kind="ODS", pad=True)
    if "xl/workbook.xml" in names:
        return table(lambda: until_blank_run(xlsx_rows(data)), kind="XLSX", pad=True)
    raise BadFile(
        "This is a ZIP archive but not an .xlsx or .ods workbook. Upload the "
        "sheet as .xlsx, .ods or “CSV UTF-8”."
    )


def until_blank_run(rows):
    """The rows until ``MAX_BLANK_ROWS`` blank ones in a row: where a sheet's
    formatting, not its data, goes on."""
    blank = 0
    for line, cells in rows:
        blank = blank + 1 if is_blank(cells) else 0
        if blank > MAX_BLANK_ROWS:
            return
        yield line, cells


def xlsx_rows(data):
    import openpyxl  # only when a workbook comes: not every request needs it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise BadFile(f"The .xlsx workbook cannot be read ({error}).") from None
    try:
        sheet = book.worksheets[0]
        # The size a sheet declares may be wrong (some programs write "A1"):
        # read what is there, bounded by the columns and the blank rows.
        sheet.reset_dimensions()
        cells = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for line, values in enumerate(cells, start=1):
            yield line, values
    except Exception as error:  # a sheet damaged past its first rows
        raise BadFile(f"The .xlsx workbook cannot be read ({error}).") from None
    finally:
        book.close()


def ods_rows(data):
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableRow

    try:
        document = load(io.BytesIO(data))
        tables = document.spreadsheet.getElementsByType(Table)
    except Exception as error:  # odfpy raises many kinds for a damaged file
        raise BadFile(f"The .ods workbook cannot be read ({error}).") from None
    if not tables:
        raise BadFile("The .ods workbook has no sheet.")
    line = 0
    for row in tables[0].getElementsByType(TableRow):
        repeated = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        cells = ods_cells(row, OFFICENS, TABLENS)
        # Repeated blank rows stand for the rest of the sheet: a few are enough.
        times = min(repeated, MAX_BLANK_ROWS + 1) if is_blank(cells) else repeated
        for _ in range(times):
            line += 1
            yield line, cells
        line += repeated - times


def ods_cells(row, officens, tablens):
    cells: list[object] = []
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeated = int(cell.getAttrNS(tablens, "number-columns-repeated") or 1)
        value = ods_value(cell, officens)
        cells.extend([value] * min(repeated, MAX_COLUMNS - len(cells)))
        if len(cells) >= MAX_COLUMNS:
            break
    return tuple(cells)


def ods_value(cell, officens):
    from odf import teletype
    from odf.text import P

    kind = cell.getAttrNS(officens, "value-type")
    try:
        if kind in ("float", "currency", "percentage"):
            return Decimal(cell.getAttrNS(officens, "value"))
        if kind == "date":
            value = cell.getAttrNS(officens, "date-value")
            if len(value) == 10 or value[10:].strip("T0:.") == "":
                return date.fromisoformat(value[:10])
    except (InvalidOperation, TypeError, ValueError):
        pass  # read as the text it shows, and refused as that if wrong
    return "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
