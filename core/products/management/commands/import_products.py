"""``manage.py import_products FILE [--dry-run] [--decimal ,] [--date-order dmy]
[--max-rows N]``: the import from a shell.

The same formats (CSV, .xlsx, .ods), reading, checks and write as
``/products/import/``: one transaction, one change batch, one feed entry;
nothing is written if any row is wrong. Categories the file names that the
catalog lacks are created with it (whoever runs the command may do anything).

The file is planned and written a chunk of rows at a time (``planning.chunks``),
so its memory is bounded by the chunk, not the file: a row found wrong stops
the writing, the rest is still checked so that every wrong row is named, and
the transaction is rolled back.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from products.editing import writes
from products.history import batches
from products.history.actor import acting_as
from products.transfer.cell_values import (
    COMMA,
    DATE_PATTERNS,
    ISO,
    POINT,
    ReadingOptions,
)
from products.transfer.planning import chunks
from products.transfer.reading import (
    BadFile,
    check_size,
    larger_limits,
    max_bytes,
    read_file,
)


class Command(BaseCommand):
    help = (
        "Create and update products from a CSV, .xlsx or .ods file "
        "(see docs/import-export.md for its format)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what the file would do; write nothing.",
        )
        parser.add_argument(
            "--decimal",
            choices=(POINT, COMMA),
            default=POINT,
            help="The decimal separator of prices written as text.",
        )
        parser.add_argument(
            "--date-order",
            choices=tuple(DATE_PATTERNS),
            default=ISO,
            help="How dates written as text are ordered: "
            + ", ".join(f"{key} = {pattern}" for key, pattern in DATE_PATTERNS.items()),
        )

        parser.add_argument(
            "--max-rows",
            type=int,
            default=None,
            help="Read a file of up to this many rows (the page's limit, "
            "IMPORT_MAX_ROWS, by default; at most IMPORT_COMMAND_MAX_ROWS).",
        )

    def handle(self, *args, max_rows=None, **options):
        if max_rows is None:
            return self.run(**options)
        with larger_limits(max_rows):
            return self.run(**options)

    def run(self, *, file, dry_run, decimal, date_order, **options):
        try:
            check_size(file.stat().st_size)  # before reading a byte of it
            sheet = read_file(read_at_most_the_limit(file))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except BadFile as error:
            raise CommandError(f"{file.name}: {error}") from None
        reading = ReadingOptions(decimal=decimal, date_order=date_order)
        with transaction.atomic():
            outcome, plans = chunks(sheet, reading, may_add_categories=True)
            if dry_run:
                for _ in plans():
                    pass
                self.report(file, outcome)
                transaction.set_rollback(True)  # the categories it created
                self.stdout.write("Dry run: nothing was written.")
                return
            batch = self.apply(file, outcome, plans)
            self.report(file, outcome)  # raises, rolling back, if rows are wrong
        done = batches.headline(batch) if batch else "nothing changed"
        self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {done}."))

    def report(self, file, result):
        counts = result.counts
        self.stdout.write(
            f"{file.name}: {counts.get('created', 0)} to create, "
            f"{counts.get('updated', 0)} to update, {counts.get('unchanged', 0)} "
            f"unchanged, {counts.get('errors', 0)} with errors."
        )
        if result.ignored:
            self.stdout.write(f"Ignored columns: {', '.join(result.ignored)}")
        if result.new_categories:
            names = ", ".join(result.new_categories.values())
            self.stdout.write(f"New categories: {names}")
        if result.errors:
            for line, column, message in result.shown_errors:
                self.stderr.write(f"line {line}, {column or 'row'}: {message}")
            raise CommandError("Nothing was imported; correct the file first.")

    def apply(self, file, outcome, plans):
        def items():
            """Each chunk's rows, at the versions just read; none once a row
            is wrong (the chunks after it are planned for their errors)."""
            for plan in plans():
                yield [] if outcome.errors else plan.items(plan.versions())

        try:
            # Named whether run by manage.py or called from code.
            with acting_as(source="command import_products"):
                return writes.products_import(items=items, label=file.name)
        except writes.BatchStale as stale:
            raise CommandError(
                f"{len(stale.refusals)} products changed while the file was read; "
                "nothing was imported. Run the command again."
            ) from None


def read_at_most_the_limit(file):
    """The file's bytes, refused past ``IMPORT_MAX_BYTES`` (or the larger
    limit of ``--max-rows``) as the page refuses
    them. A device or a pipe (``/dev/zero``) has no size to check beforehand and
    may never end: only one byte more than the limit is read."""
    limit = max_bytes()
    with file.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise BadFile(
            f"The file is over {limit:,} bytes; an import takes at most "
            f"{limit:,} bytes. Split it into smaller files."
        )
    return data
