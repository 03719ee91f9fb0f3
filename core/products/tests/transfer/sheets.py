"""Workbooks made in tests, as a spreadsheet program would save them."""

import io

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook


def xlsx_bytes(rows, title="Products"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def ods_cell(value, repeated=1):
    """A cell typed as LibreOffice types it: numbers as floats, dates as dates."""
    attributes = {"numbercolumnsrepeated": repeated} if repeated > 1 else {}
    if value is None:
        return TableCell(**attributes)
    if hasattr(value, "isoformat"):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(), **attributes)
    elif isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        cell = TableCell(valuetype="float", value=str(value), **attributes)
    else:
        cell = TableCell(valuetype="string", **attributes)
    cell.addElement(P(text=str(value)))
    return cell


def ods_bytes(rows, trailing_blank_rows=0, trailing_blank_columns=0):
    document = OpenDocumentSpreadsheet()
    table = Table(name="Products")
    for values in rows:
        row = TableRow()
        for value in values:
            row.addElement(ods_cell(value))
        if trailing_blank_columns:
            row.addElement(ods_cell(None, repeated=trailing_blank_columns))
        table.addElement(row)
    if trailing_blank_rows:
        blank = TableRow(numberrowsrepeated=trailing_blank_rows)
        blank.addElement(ods_cell(None))
        table.addElement(blank)
    document.spreadsheet.addElement(table)
    output = io.BytesIO()
    document.write(output)
    return output.getvalue()
