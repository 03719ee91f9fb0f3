"""The feed's stock counters, kept from what each write changed.

A product adds to *buckets*: one product, its units, its stock value; "out of
stock", "below its own threshold", "priced below cost" when those hold; its
quantity when it has no threshold of its own; its expiry day when it has one.
Every write the recording module records (the versioned update, the shell's
``save()`` through the net, deletes, restores, imports, bulk actions, undos)
adds the difference of its product's buckets, before and after, as rows of
``StockCount`` in the write's own transaction (``add``): a rolled-back write
leaves nothing, and the cost of a write does not depend on the catalog's size.

What depends on a setting or on the date is summed when read (``current``), not
kept: low stock by the shop's threshold is the sum of the quantity buckets up
to it, so a changed ``LOW_STOCK_THRESHOLD`` counts right at once; expired and
expiring are sums of the expiry days before today and up to
``EXPIRY_ALERT_DAYS`` ahead, so they move as days pass without any write.

Rows are only ever inserted by writes. Every ``FOLD_EVERY`` rows, after its
commit, a write folds them (``fold``) into one row per counter and bucket;
``stock_count_checks`` compares all of it with a full recount now and then.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from products.alerts.kinds import BELOW_COST, EXPIRED, EXPIRING, LOW_STOCK, OUT_OF_STOCK
from products.alerts.rules import shop_rules
from products.models import Product, StockCount

logger = logging.getLogger(__name__)

PRODUCTS = "products"
UNITS = "units"
VALUE = "value"
OUT = "out"
# At or below its own threshold (not out of stock).
OWN_LOW = "own-low"
# Products without a threshold of their own, by quantity (1 to QUANTITY_BUCKETS).
QUANTITY = "quantity"
CHEAP = "below-cost"
# Products with an expiry date, by day.
EXPIRY = "expiry"
SCALARS = (PRODUCTS, UNITS, VALUE, OUT, OWN_LOW, CHEAP)

# Quantities kept one bucket each, for the shop's low-stock threshold: a shop
# threshold above it counts the products between it and the threshold in the
# catalog (an indexed range), as a setting that high is not expected.
QUANTITY_BUCKETS = 1_000
# A write whose rows pass a multiple of this folds the rows once it commits.
FOLD_EVERY = 1_000
CENT = Decimal("0.01")


def day_bucket(day):
    """A day as the bucket of the "expiry" counter: 2026-12-07 is 20261207
    (ordered as the days are, and readable in the table)."""
    return day.year * 10_000 + day.month * 100 + day.day


def buckets(snapshot):
    """``Counter({(counter, bucket): amount})`` of one product as snapshotted by
    ``products.history.snapshots`` (empty for none: before a create, after a delete)."""
    if not snapshot:
        return Counter()
    values = {
        name: Product._meta.get_field(name).to_python(snapshot.get(name))
        for name in (
            "quantity",
            "price",
            "cost_price",
            "expiry_date",
            "low_stock_threshold",
        )
    }
    quantity, price = values["quantity"] or 0, values["price"] or Decimal(0)
    own, cost = values["low_stock_threshold"], values["cost_price"]
    found = Counter({(PRODUCTS, 0): 1, (UNITS, 0): quantity})
    found[(VALUE, 0)] = (price * quantity).quantize(CENT)
    if quantity == 0:
        found[(OUT, 0)] = 1
    elif own is not None and quantity <= own:
        found[(OWN_LOW, 0)] = 1
    elif own is None and quantity <= QUANTITY_BUCKETS:
        found[(QUANTITY, quantity)] = 1
    if cost is not None and price < cost:
        found[(CHEAP, 0)] = 1
    if values["expiry_date"] is not None:
        found[(EXPIRY, day_bucket(values["expiry_date"]))] = 1
    return found


def difference(before, after):
    """What a write from snapshot ``before`` to ``after`` adds to the counters,
    without the buckets it leaves as they were."""
    counts = Counter(buckets(after))
    counts.subtract(buckets(before))
    return Counter({key: amount for key, amount in counts.items() if amount})


def add(counts):
    """Adds ``counts`` (as ``difference`` returns) to the counters, in the
    transaction in progress: one INSERT. Past every ``FOLD_EVERY`` rows, the
    rows are folded once it commits."""
    if not counts:
        return
    rows = StockCount.objects.bulk_create(
        StockCount(counter=counter, bucket=bucket, amount=amount)
        for counter, bucket, amount in rows_of(counts)
    )
    ids = [row.pk for row in rows if row.pk is not None]
    if ids:
        added(min(ids), max(ids))


def rows_of(counts):
    """``counts`` as the ``(counter, bucket, amount)`` rows ``add`` inserts, for
    a caller that inserts them in a statement of its own (``one_round_trip``)
    and then tells ``added``."""
    return [
        (counter, bucket, amount)
        for (counter, bucket), amount in sorted(counts.items())
    ]


def added(first_id, last_id):
    """Rows ``first_id`` to ``last_id`` were inserted in the transaction in
    progress: if they pass a multiple of ``FOLD_EVERY``, the rows are folded once
    it commits."""
    if last_id // FOLD_EVERY > (first_id - 1) // FOLD_EVERY:
        transaction.on_commit(fold, robust=True)


def fold(today=None):
    """Folds the rows written since the last fold into one row per counter and
    bucket, and the expiry days before yesterday into one (they all count as
    expired). Rows of writes not committed yet are not seen and stay for the
    next fold; two folds at once each fold only the rows they deleted."""
    today = today or timezone.localdate()
    past = day_bucket(today - timedelta(days=1))
    table = connection.ops.quote_name(StockCount._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE NOT folded OR (counter = %s AND bucket < %s) "
            "RETURNING counter, bucket, amount",
            [EXPIRY, past],
        )
        taken = cursor.fetchall()
        if not taken:
            return 0
        gone = [bucket for counter, bucket, _ in taken if counter == EXPIRY]
        oldest = min((bucket for bucket in gone if bucket < past), default=None)
        sums = Counter()
        for counter, bucket, amount in taken:
            if counter == EXPIRY and bucket < past:
                bucket = oldest  # still before today, whatever day today is
            sums[(counter, bucket)] += Decimal(str(amount))
        rows = [(c, b, amount) for (c, b), amount in sorted(sums.items()) if amount]
        cursor.executemany(
            f"INSERT INTO {table} (counter, bucket, amount, folded) "
            "VALUES (%s, %s, %s, TRUE) ON CONFLICT (counter, bucket) WHERE folded "
            f"DO UPDATE SET amount = {table}.amount + excluded.amount",
            rows,
        )
        cursor.execute(f"DELETE FROM {table} WHERE folded AND amount = 0")
    return len(taken)


@dataclass(frozen=True)
class StockCounts:
    products: int
    units: int
    stock_value: Decimal
    # At or below the product's threshold, out of stock included.
    low_stock: int
    # {alert kind: products with that alert open}
    alerts: dict


def current(rules=None, today=None):
    """The counters now: one query over the counters' rows (a few hundred
    after folding), whatever the size of the catalog."""
    rules = rules or shop_rules()
    today = today or timezone.localdate()
    threshold = rules.low_stock_threshold
    first, last = day_bucket(today), day_bucket(
        today + timedelta(days=rules.expiry_alert_days)
    )

    def total(condition):
        return Coalesce(
            Sum("amount", filter=condition),
            Decimal(0),
            output_field=DecimalField(max_digits=40, decimal_places=2),
        )

    sums = StockCount.objects.aggregate(
        **{name: total(Q(counter=name)) for name in SCALARS},
        shop_low=total(
            Q(
                counter=QUANTITY,
                bucket__gte=1,
                bucket__lte=min(threshold, QUANTITY_BUCKETS),
            )
        ),
        expired=total(Q(counter=EXPIRY, bucket__lt=first)),
        expiring=total(Q(counter=EXPIRY, bucket__gte=first, bucket__lte=last)),
    )
    shop_low = int(sums["shop_low"]) + beyond_buckets(threshold)
    low = int(sums[OWN_LOW]) + shop_low
    return StockCounts(
        products=int(sums[PRODUCTS]),
        units=int(sums[UNITS]),
        stock_value=Decimal(sums[VALUE]).quantize(CENT),
        low_stock=int(sums[OUT]) + low,
        alerts={
            OUT_OF_STOCK: int(sums[OUT]),
            EXPIRED: int(sums["expired"]),
            BELOW_COST: int(sums[CHEAP]),
            LOW_STOCK: low,
            EXPIRING: int(sums["expiring"]),
        },
    )


def beyond_buckets(threshold):
    """Products without their own threshold whose quantity is past the kept
    buckets and at or below ``threshold`` (none unless the shop's threshold is
    set above ``QUANTITY_BUCKETS``)."""
    if threshold <= QUANTITY_BUCKETS:
        return 0
    return Product.objects.filter(
        low_stock_threshold__isnull=True,
        quantity__gt=QUANTITY_BUCKETS,
        quantity__lte=threshold,
    ).count()


def counted(product_model=Product):
    """``Counter({(counter, bucket): amount})`` as a full scan of the catalog
    finds it: the truth the kept rows are compared with (``product_model``: the
    migration passes its historical one)."""
    rows = product_model.objects.order_by()
    money = DecimalField(max_digits=40, decimal_places=2)
    totals = rows.aggregate(
        products=Count("pk"),
        units=Coalesce(Sum("quantity"), 0),
        value=Coalesce(
            Sum(F("price") * F("quantity"), output_field=money),
            Decimal(0),
            output_field=money,
        ),
        out=Count("pk", filter=Q(quantity=0)),
        own_low=Count(
            "pk",
            filter=Q(
                low_stock_threshold__isnull=False,
                quantity__gt=0,
                quantity__lte=F("low_stock_threshold"),
            ),
        ),
        cheap=Count("pk", filter=Q(cost_price__gt=F("price"))),
    )
    found = Counter(
        {
            (PRODUCTS, 0): totals["products"],
            (UNITS, 0): totals["units"],
            (VALUE, 0): Decimal(totals["value"]).quantize(CENT),
            (OUT, 0): totals["out"],
            (OWN_LOW, 0): totals["own_low"],
            (CHEAP, 0): totals["cheap"],
        }
    )
    by_quantity = rows.filter(
        low_stock_threshold__isnull=True,
        quantity__gte=1,
        quantity__lte=QUANTITY_BUCKETS,
    ).values_list("quantity")
    for quantity, number in by_quantity.annotate(number=Count("pk")):
        found[(QUANTITY, quantity)] = number
    by_day = rows.filter(expiry_date__isnull=False).values_list("expiry_date")
    for day, number in by_day.annotate(number=Count("pk")):
        found[(EXPIRY, day_bucket(day))] = number
    return Counter({key: amount for key, amount in found.items() if amount})


def kept():
    """``Counter({(counter, bucket): amount})`` of the kept rows, summed."""
    rows = (
        StockCount.objects.order_by()
        .values_list("counter", "bucket")
        .annotate(total=Sum("amount"))
    )
    return Counter(
        {(counter, bucket): Decimal(total) for counter, bucket, total in rows if total}
    )
