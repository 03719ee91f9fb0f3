"""Which products have open stock alerts: the rules of ``products.alerts.kinds`` as
database queries, for the feed's pinned list and its counters.

Each kind is its own query on an index (quantity, expiry date, and two partial
indexes: products with their own threshold, products priced below cost), bounded
by the number of alerts shown; the counters count them all from the counts each
write keeps (``stock_counts``), and the recount checks those against these rules.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from products.alerts.kinds import (
    BELOW_COST,
    EXPIRED,
    EXPIRING,
    KINDS,
    LOW_STOCK,
    OUT_OF_STOCK,
    Alert,
    alerts_for,
)
from products.alerts.rules import shop_rules
from products.models import Product

# The order each kind is listed in: the most pressing first.
ORDERS = {
    OUT_OF_STOCK: ("name",),
    EXPIRED: ("expiry_date", "name"),
    BELOW_COST: ("name",),
    LOW_STOCK: ("quantity", "name"),
    EXPIRING: ("expiry_date", "name"),
}
SHOWN_FIELDS = (
    "name",
    "slug",
    "quantity",
    "low_stock_threshold",
    "price",
    "cost_price",
    "expiry_date",
)


def at_or_below_threshold(rules=None):
    """Products at or below their low-stock threshold, out of stock included
    (the counters' "Low stock"). Two halves, so that each can use an index: the
    shop's threshold on the quantity index, a product's own on the partial index
    of such products."""
    rules = rules or shop_rules()
    return Q(
        low_stock_threshold__isnull=True, quantity__lte=rules.low_stock_threshold
    ) | Q(low_stock_threshold__isnull=False, quantity__lte=F("low_stock_threshold"))


def conditions(rules=None, today=None):
    """``{kind: Q}``: the products with an open alert of each kind, the most
    urgent kind first."""
    rules = rules or shop_rules()
    today = today or timezone.localdate()
    by_kind = {
        OUT_OF_STOCK: Q(quantity=0),
        LOW_STOCK: Q(quantity__gt=0) & at_or_below_threshold(rules),
        EXPIRED: Q(expiry_date__lt=today),
        EXPIRING: Q(
            expiry_date__gte=today,
            expiry_date__lte=today + timedelta(days=rules.expiry_alert_days),
        ),
        BELOW_COST: Q(cost_price__gt=F("price")),
    }
    return {kind: by_kind[kind] for kind in KINDS}


def pinned_alerts(limit, rules=None, today=None):
    """Up to ``limit`` (product, Alert) pairs, most urgent kind first: at most
    one bounded query per kind."""
    rules = rules or shop_rules()
    today = today or timezone.localdate()
    found = []
    for kind, condition in conditions(rules, today).items():
        if len(found) >= limit:
            break
        products = (
            Product.objects.filter(condition)
            .only(*SHOWN_FIELDS)
            .order_by(*ORDERS[kind], "pk")[: limit - len(found)]
        )
        for product in products:
            alert = next(
                (a for a in alerts_for(product, rules, today) if a.kind == kind),
                Alert(kind),
            )
            found.append((product, alert))
    return found
