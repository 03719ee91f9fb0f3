"""The shop's alert rules, read from the settings (``products.alerts.kinds`` is pure and
takes them as an argument)."""

from django.conf import settings
from django.utils import timezone

from products.alerts.kinds import AlertRules, StockValues, kinds_of


def shop_rules():
    return AlertRules(
        low_stock_threshold=settings.LOW_STOCK_THRESHOLD,
        expiry_alert_days=settings.EXPIRY_ALERT_DAYS,
    )


def snapshot_values(snapshot):
    """``StockValues`` from a product snapshot (``products.history.snapshots``); None
    for an empty one (no product)."""
    if not snapshot:
        return None
    return StockValues(
        quantity=snapshot["quantity"],
        price=snapshot["price"],
        cost_price=snapshot.get("cost_price"),
        expiry_date=snapshot.get("expiry_date"),
        low_stock_threshold=snapshot.get("low_stock_threshold"),
    )


def alerts_across(before, after, product_id=None):
    """What a change row records of the alerts (``ProductChange.alerts``): the
    kinds open before and after it, by today's date and the shop's rules then,
    and the product's id (a deletion's row loses its link). Empty when they did
    not differ."""
    rules, today = shop_rules(), timezone.localdate()
    kinds = {
        "before": kinds_of(snapshot_values(before), rules, today),
        "after": kinds_of(snapshot_values(after), rules, today),
    }
    if kinds["before"] == kinds["after"]:
        return {}
    return {"product": product_id, **kinds}
