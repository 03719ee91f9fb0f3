"""Products in the import's columns, for a file that imports back unchanged.

The values are written as the import reads them with its default options (a
point for decimals, ISO dates), the category by name. Text that a spreadsheet
would run as a formula is kept from running: in CSV with a leading apostrophe
(the import removes it), in ``.xlsx`` as a text cell.
"""

import csv
import tempfile
from datetime import date

from products.transfer.cell_values import escape_formula
from products.transfer.reading import COLUMNS

TEXT_COLUMNS = ("sku", "name", "category", "supplier", "description")
# Products read from the database this many at a time.
CHUNK = 2_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def values(product):
    """``{column: value}``, typed: Decimal, int, date, text, or None."""
    row = {
        column: getattr(product, column) for column in COLUMNS if column != "category"
    }
    row["category"] = product.category.name if product.category_id else ""
    return row


# The import page's template: the header and this row.
EXAMPLE = {
    "sku": "MUG-1001",
    "name": "Enamel Camping Mug",
    "price": "12.50",
    "quantity": "48",
    "category": "Kitchen & Dining",
    "supplier": "Northfield Housewares",
    "description": "Speckled enamel mug, 350 ml.",
    "cost_price": "5.20",
    "expiry_date": "",
    "low_stock_threshold": "10",
}


def rows(products):
    for product in products.select_related("category").iterator(chunk_size=CHUNK):
        yield values(product)


class Echo:
    """A file whose ``write`` returns what it was given: ``csv.writer`` over it
    makes each row a string for a streamed response."""

    def write(self, text):
        return text


def csv_lines(rows):
    """The CSV file's text, a row at a time, with a byte order mark so that
    spreadsheets open it as UTF-8."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([csv_cell(column, row[column]) for column in COLUMNS])


def csv_cell(column, value):
    if value is None:
        return ""
    if column in TEXT_COLUMNS:
        return escape_formula(str(value))
    return value.isoformat() if isinstance(value, date) else str(value)


def xlsx_file(products):
    """A temporary file holding the workbook, written row by row (openpyxl's
    write-only mode keeps no sheet in memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Products")
    sheet.append(COLUMNS)
    for row in rows(products):
        cells = []
        for column in COLUMNS:
            value = row[column]
            if column in TEXT_COLUMNS:
                # Control characters are not allowed in a workbook.
                cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # never a formula, whatever it starts with
            else:
                cell = WriteOnlyCell(sheet, value)
                if column == "expiry_date" and value is not None:
                    cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    output = tempfile.TemporaryFile()
    book.save(output)
    output.seek(0)
    return output
