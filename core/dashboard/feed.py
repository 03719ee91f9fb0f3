"""What the staff feed shows: recent change rows and the stock counters."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce

from products.models import Product, ProductChange


def recent_changes(size, before=None):
    """Up to ``size`` rows, newest first, older than event ``before`` if given,
    and whether there are more."""
    changes = ProductChange.objects.order_by("-pk")
    if before is not None:
        changes = changes.filter(pk__lt=before)
    rows = list(changes[: size + 1])
    return rows[:size], len(rows) > size


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
