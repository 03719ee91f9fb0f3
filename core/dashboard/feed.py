"""What the staff feed shows: recent change rows and the stock counters."""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from products.models import ProductChange
from products.selectors import feed_entries, shop_rules, show_changes, stock_counters


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
    """The stock counters and the number of open alerts of each kind, as kept
    from each write (``products.alerts.stock_counts``): no scan of the catalog."""
    rules = shop_rules()
    kept = stock_counters(rules)
    return {
        "products": kept.products,
        "units": kept.units,
        "stock_value": kept.stock_value,
        "low_stock": kept.low_stock,
        "low_stock_threshold": rules.low_stock_threshold,
        "alerts": kept.alerts,
        "open_alerts": sum(kept.alerts.values()),
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
