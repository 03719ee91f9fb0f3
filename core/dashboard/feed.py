"""What the staff feed shows: recent change rows and the stock counters."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from products.batches import feed_entries
from products.change_display import show_changes
from products.models import Product, ProductChange


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
    threshold = settings.LOW_STOCK_THRESHOLD
    totals = Product.objects.aggregate(
        products=Count("pk"),
        units=Coalesce(Sum("quantity"), 0),
        stock_value=Coalesce(
            Sum(F("price") * F("quantity"), output_field=DecimalField()),
            Decimal("0"),
            output_field=DecimalField(),
        ),
        low_stock=Count("pk", filter=Q(quantity__lte=threshold)),
    )
    return {**totals, "low_stock_threshold": threshold}


def latest_change_id():
    return ProductChange.objects.aggregate(latest=Max("pk"))["latest"] or 0


def changes_after(event_id, settled_for):
    """Committed changes after ``event_id`` that are at least ``settled_for``
    seconds old: those a live push should have delivered by now."""
    settled = timezone.now() - timedelta(seconds=settled_for)
    # Each row's data attributes name its product's SKU: read with the row.
    return list(
        feed_entries(ProductChange.objects)
        .filter(pk__gt=event_id, created_at__lte=settled)
        .select_related("product", "batch")
        .order_by("pk")[:100]
    )
