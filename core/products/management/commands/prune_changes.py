"""Retention for the change log: delete change rows older than a number of days.

Rows go in batches, each in its own transaction, so a large prune neither holds
one long lock on the table nor needs the ids of every row in memory at once.
Products and their former web addresses are not touched. Image files kept for
undo (``products.images.kept_files``) go with the last change row that names them.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from products.images import kept_files
from products.models import ProductChange

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = "Delete recorded product changes older than --older-than DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="Delete changes recorded more than DAYS days ago.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only say how many changes would be deleted.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Rows deleted per transaction (default {BATCH_SIZE}).",
        )

    def handle(self, *args, older_than, dry_run, batch_size, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = timezone.now() - timedelta(days=older_than)
        old = ProductChange.objects.filter(created_at__lt=cutoff)
        when = f"recorded before {cutoff:%Y-%m-%d %H:%M} UTC"
        if dry_run:
            self.stdout.write(f"Would delete {old.count()} changes {when}.")
            return
        deleted = 0
        while True:
            with transaction.atomic():
                batch = list(
                    old.order_by("pk").values_list("pk", flat=True)[:batch_size]
                )
                if not batch:
                    break
                _, by_model = ProductChange.objects.filter(pk__in=batch).delete()
                deleted += by_model.get(ProductChange._meta.label, 0)
        files = prune_kept_files()
        self.stdout.write(
            f"Deleted {deleted} changes {when}, and {files} kept image files."
        )


def prune_kept_files():
    """Deletes the kept image files that no remaining change row names."""
    listed = kept_files.kept_names()  # first: see kept_files.prune
    rows = ProductChange.objects.filter(changes__icontains='"image"')
    needed = kept_files.named_files(
        rows.values_list("changes", flat=True).iterator(chunk_size=BATCH_SIZE)
    )
    return kept_files.prune(listed, needed)
