"""What the staff feed shows: recent change rows and the stock counters."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from products.alerts import KINDS
from products.batches import feed_entries
from products.change_display import show_changes
from products.models import Product, ProductChange
from products.open_alerts import at_or_below_threshold, conditions


def recent_changes(size, before=None, filters=None):
    """Up to ``size`` rows, newest first, older than event ``before`` if given,
    and whether there are more; ready to be shown (related names read in bulk)."""
    changes = feed_entries(ProductChange.objects.order_by("-pk"))
    if before is not None:
        changes = changes.filter(pk__lt=before)
    if filters is not None:  # a dashboard.filters.FeedFilters
        changes = filters.filter(changes)
    # Each row's data attributes name its product's SKU: read with the row.
    changes = changes.select_related("product", "batch")
    rows = list(changes[: size + 1])
    return show_changes(rows[:size]), len(rows) > size


def counters():
    """The stock counters and the number of open alerts of each kind: one scan
    of the catalog, made at most once a second while changes arrive."""
    threshold = settings.LOW_STOCK_THRESHOLD
    alert_counts = {
        f"alerts_{kind}": Count("pk", filter=condition)
        for kind, condition in conditions().items()
    }
    totals = Product.objects.aggregate(
        products=Count("pk"),
        units=Coalesce(Sum("quantity"), 0),
        stock_value=Coalesce(
            Sum(F("price") * F("quantity"), output_field=DecimalField()),
            Decimal("0"),
            output_field=DecimalField(),
        ),
        low_stock=Count("pk", filter=at_or_below_threshold()),
        **alert_counts,
    )
    alerts = {kind: totals.pop(f"alerts_{kind}") for kind in KINDS}
    return {
        **totals,
        "low_stock_threshold": threshold,
        "alerts": alerts,
        "open_alerts": sum(alerts.values()),
    }


def latest_change_id():
    return ProductChange.objects.aggregate(latest=Max("pk"))["latest"] or 0


def changes_after(event_id, settled_for, limit=100):
    """Committed changes after ``event_id`` that are at least ``settled_for``
    seconds old (those a live push should have delivered by now), at most
    ``limit``, oldest first."""
    settled = timezone.now() - timedelta(seconds=settled_for)
    # Each row's data attributes name its product's SKU: read with the row.
    return list(
        feed_entries(ProductChange.objects)
        .filter(pk__gt=event_id, created_at__lte=settled)
        .select_related("product", "batch")
        .order_by("pk")[:limit]
    )
