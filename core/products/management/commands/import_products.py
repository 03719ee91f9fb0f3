"""``manage.py import_products FILE [--dry-run]``: the CSV import from a shell.

The same reading, checks and write as ``/products/import/``: one transaction, one
change batch, one feed entry; nothing is written if any row is wrong.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from products import batches, writes
from products.actor import acting_as
from products.imports.planning import plan
from products.imports.reading import BadFile, check_size, read_csv


class Command(BaseCommand):
    help = "Create and update products from a CSV file (see the README for its format)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what the file would do; write nothing.",
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            check_size(file.stat().st_size)  # before reading a byte of it
            result = plan(read_csv(read_at_most_the_limit(file)))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except BadFile as error:
            raise CommandError(f"{file.name}: {error}") from None
        counts = result.counts
        self.stdout.write(
            f"{file.name}: {counts['created']} to create, {counts['updated']} to "
            f"update, {counts['unchanged']} unchanged, {counts['errors']} with errors."
        )
        if result.errors:
            for line, column, message in result.errors:
                self.stderr.write(f"line {line}, {column or 'row'}: {message}")
            raise CommandError("Nothing was imported; correct the file first.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            # Named whether run by manage.py or called from code.
            with acting_as(source="command import_products"):
                batch = writes.products_import(
                    items=result.items(result.versions()), label=file.name
                )
        except writes.BatchStale as stale:
            raise CommandError(
                f"{len(stale.refusals)} products changed while the file was read; "
                "nothing was imported. Run the command again."
            ) from None
        done = batches.headline(batch) if batch else "nothing changed"
        self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {done}."))


def read_at_most_the_limit(file):
    """The file's bytes, refused past ``IMPORT_MAX_BYTES`` as the page refuses
    them. A device or a pipe (``/dev/zero``) has no size to check beforehand and
    may never end: only one byte more than the limit is read."""
    limit = settings.IMPORT_MAX_BYTES
    with file.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise BadFile(
            f"The file is over {limit:,} bytes; an import takes at most "
            f"{limit:,} bytes. Split it into smaller files."
        )
    return data
