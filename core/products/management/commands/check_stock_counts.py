"""Compare the feed's stock counters with a full recount of the catalog now,
and fix any drift (each daphne process also does this now and then: see
``products.alerts.stock_count_checks``). Run it after writing products around the
write path (raw SQL, ``COPY``, ``loaddata``)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from products.alerts.stock_count_checks import recount
from products.models import StockCountCheck


class Command(BaseCommand):
    help = "Recount the feed's stock counters and fix any drift."

    def handle(self, *args, **options):
        drift = recount()
        StockCountCheck.objects.update_or_create(
            pk=1, defaults={"checked_at": timezone.now(), "drift": drift}
        )
        if not drift:
            self.stdout.write("The stock counters agree with the catalog.")
            return
        shown = ", ".join(f"{name} {amount}" for name, amount in drift.items())
        self.stdout.write(f"Fixed drift in the stock counters: {shown}")
