from django.db import models


class StockCount(models.Model):
    """One part of the feed's stock counters (``products.alerts.stock_counts``).

    Each write adds rows holding what it changed (``+1`` product, ``-3`` units,
    ``+1`` product expiring on a day), in its own transaction; nothing is ever
    updated in place by a write, so concurrent writers never wait on each other
    here. A counter is the sum of its rows; now and then the rows are folded
    into one per counter and bucket (``folded``), so a read sums a few hundred
    rows whatever the size of the catalog.
    """

    # Which counter: a ``stock_counts`` name ("products", "units", "quantity", ...).
    counter = models.CharField(max_length=16)
    # Counters kept per value: the quantity for "quantity", the day as YYYYMMDD
    # for "expiry"; 0 for the others.
    bucket = models.IntegerField(default=0)
    # Products, units or money (the stock value): wide enough for any catalog.
    amount = models.DecimalField(max_digits=40, decimal_places=2)
    # True for the one row per counter and bucket that folding keeps.
    folded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "bucket"],
                condition=models.Q(folded=True),
                name="stock_count_one_folded",
            )
        ]

    def __str__(self):
        return f"{self.counter}[{self.bucket}] {self.amount:+}"


class StockCountCheck(models.Model):
    """When the stock counters were last compared with a full recount, and what
    differed then (one row): processes take turns through it."""

    checked_at = models.DateTimeField(null=True)
    # {counter: difference} found by the last recount; empty when none.
    drift = models.JSONField(default=dict)
