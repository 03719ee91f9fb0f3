"""The change log as CSV: one line per field change, streamed.

Rows are read with ``iterator(chunk_size=...)`` and written as they come, so the
memory a download needs does not grow with the log. Text that a spreadsheet
would run as a formula is neutralised. UTF-8 with a byte order mark, so that
spreadsheet programs read names in any script correctly.
"""

import csv
from datetime import timezone as dt_timezone
from functools import partial

from asgiref.sync import sync_to_async

HEADER = (
    "id",
    "time",
    "actor",
    "source",
    "action",
    "sku",
    "name",
    "field",
    "old",
    "new",
)
BOM = "\ufeff"
# Rows read from the database at a time (and so the most held in memory).
CHUNK_SIZE = 2000
# Spreadsheets treat a cell starting with one of these as a formula (a tab or a
# carriage return can lead into one, too).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text):
    """``text`` as a spreadsheet shows it and never runs: a leading formula
    character gets an apostrophe in front."""
    text = "" if text is None else str(text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def export_value(change_item):
    """(old, new) of one field change as written to the file: the stored text."""
    return change_item.old, change_item.new


def sku_of(change):
    """The product's SKU as of ``change``: what the change recorded for it (a
    create, a delete, a changed SKU), else the product's current one."""
    for item in change.field_changes:
        if item.field == "sku":
            return item.old if change.action == change.Action.DELETED else item.new
    return change.product.sku if change.product is not None else ""


def utc_time(moment):
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def lines_of(change, field=""):
    """The CSV cells for ``change``: one line per field change (only ``field``'s
    when given); a change without any still gets a line."""
    common = (
        change.pk,
        utc_time(change.created_at),
        neutralised(change.actor_name),
        neutralised(change.source),
        change.action,
        neutralised(sku_of(change)),
        neutralised(change.product_name),
    )
    items = [item for item in change.field_changes if not field or item.field == field]
    if not items:
        return [(*common, "", "", "")] if not field else []
    return [
        (*common, neutralised(item.field), *map(neutralised, export_value(item)))
        for item in items
    ]


class _Line:
    """A file-like object for ``csv.writer`` that hands back what it is given."""

    def write(self, text):
        return text


def csv_chunks(changes, field=""):
    """The file as text chunks, one per ``CHUNK_SIZE`` changes read: a chunk
    per database round trip keeps the number of writes to the client small."""
    chunk_size = CHUNK_SIZE
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(HEADER)
    lines: list[str] = []
    for count, change in enumerate(
        changes.select_related("product").iterator(chunk_size=chunk_size), 1
    ):
        lines.extend(writer.writerow(line) for line in lines_of(change, field))
        if count % chunk_size == 0:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


async def async_chunks(chunks):
    """``chunks`` (a generator reading the database) for an ASGI server, one
    chunk at a time in the request's sync thread. Given a plain iterator,
    Django's ASGI handler would first read all of it into a list."""
    step = sync_to_async(partial(next, chunks, None))
    close = sync_to_async(chunks.close)
    try:
        while True:
            chunk = await step()
            if chunk is None:
                return
            yield chunk
    finally:
        await close()
