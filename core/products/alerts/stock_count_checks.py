"""Checking the kept stock counters (``stock_counts``) against a full recount.

The writes keep the counters; this only verifies them. ``recount`` counts the
catalog and the kept rows in one snapshot of the database, logs any difference
as drift and adds it, so the counters are right again; a write that bypassed
the write path (``QuerySet.update()``, raw SQL, ``COPY``, ``loaddata``) is the
usual cause. Each daphne process runs ``start`` (from ``core.asgi``): a check
soon after it starts, then one every ``STOCK_COUNTS_CHECK_SECONDS``, taking
turns with the other processes through ``StockCountCheck`` so that the catalog
is scanned once per interval, not once per process. ``manage.py
check_stock_counts`` runs one at once. Never on a request's path.
"""

import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from products.alerts import stock_counts
from products.models import StockCountCheck

logger = logging.getLogger(__name__)

# A process starting within this long of another's check does not check again.
STARTUP_SECONDS = 60
# The drift shown in the log and kept in StockCountCheck: at most these many
# counters and buckets.
DRIFT_SHOWN = 20


def recount(today=None):
    """Compares the kept counters with a count of the catalog, in one snapshot
    (PostgreSQL: repeatable read; SQLite writes one transaction at a time), and
    adds the difference: ``{"counter" or "counter bucket": difference}``, empty
    when they agreed. Writes made meanwhile keep their own rows, so the fix is
    right whenever they commit."""
    today = today or timezone.localdate()
    with transaction.atomic():
        if connection.vendor == "postgresql" and _outermost():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        drift = _drift(stock_counts.counted(), stock_counts.kept(), today)
        stock_counts.add(drift)
    shown = described(drift)
    if drift:
        logger.warning(
            "Stock counters drifted from the catalog; fixed by adding %s", shown
        )
    stock_counts.fold(today)
    return shown


def _outermost():
    # The atomic block just opened is the only one: isolation can still be set.
    return len(connection.savepoint_ids) == 0 and connection.in_atomic_block


def _drift(truth, kept, today):
    """``truth - kept`` per counter and bucket; expiry days before today all
    count as expired, so they are compared as one (the fold merges them)."""
    first = stock_counts.day_bucket(today)
    past = [
        bucket
        for counts in (truth, kept)
        for counter, bucket in counts
        if counter == stock_counts.EXPIRY and bucket < first
    ]
    oldest = min(past, default=None)

    def merged(counts):
        result = Counter()
        for (counter, bucket), amount in counts.items():
            if counter == stock_counts.EXPIRY and bucket < first:
                bucket = oldest
            result[(counter, bucket)] += amount
        return result

    difference = merged(truth)
    difference.subtract(merged(kept))
    return Counter({key: amount for key, amount in difference.items() if amount})


def described(drift):
    """``drift`` as JSON-friendly text, the counters themselves first:
    ``{"units": "-3", "quantity 4": "1"}``; past ``DRIFT_SHOWN``, how many more
    (``"more": "57"``)."""
    shown = {}
    ordered = sorted(
        drift.items(), key=lambda item: (item[0][0] not in stock_counts.SCALARS, item)
    )
    more = len(ordered) - DRIFT_SHOWN + 1 if len(ordered) > DRIFT_SHOWN else 0
    for (counter, bucket), amount in ordered[: len(ordered) - more]:
        name = counter if counter in stock_counts.SCALARS else f"{counter} {bucket}"
        amount = Decimal(amount)
        whole = amount == amount.to_integral_value()
        shown[name] = str(amount.quantize(Decimal(1)) if whole else amount)
    if more:
        shown["more"] = str(more)
    return shown


def check_if_due(max_age, today=None):
    """Recounts if no process did within ``max_age`` seconds; returns the drift
    found, or None if it was not this process's turn."""
    now = timezone.now()
    StockCountCheck.objects.get_or_create(pk=1)
    taken = (
        StockCountCheck.objects.filter(pk=1)
        .exclude(checked_at__gt=now - timedelta(seconds=max_age))
        .update(checked_at=now)
    )
    if not taken:
        return None
    drift = recount(today)
    StockCountCheck.objects.filter(pk=1).update(drift=drift)
    return drift


_started = threading.Lock()
_thread = None


def start():
    """Checks the counters soon after the process starts, then every
    ``STOCK_COUNTS_CHECK_SECONDS`` (0: never, in this process), in a thread of
    its own."""
    global _thread
    interval = settings.STOCK_COUNTS_CHECK_SECONDS
    if not interval:
        return
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=_run, args=(interval,), name="stock-count-checks", daemon=True
            )
            _thread.start()


def _run(interval):
    max_age = min(STARTUP_SECONDS, interval)
    while True:
        try:
            check_if_due(max_age)
        except Exception:
            logger.exception("Could not check the stock counters")
        finally:
            connections.close_all()  # not held between checks
        max_age = interval
        time.sleep(interval)
