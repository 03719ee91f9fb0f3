"""What other apps read of products: the one surface ``dashboard`` imports, so the
sub-packages stay free to change inside. Writes go through ``editing.writes``; the
models, ``formats`` and this module are the rest of what another app may use (a
test in ``tests/test_selectors.py`` holds ``dashboard`` to it)."""

from products.alerts import stock_counts
from products.alerts.kinds import (
    BELOW_COST,
    EXPIRED,
    EXPIRING,
    KINDS,
    LOW_STOCK,
    alerts_for,
    raised_kinds,
    threshold,
)
from products.alerts.open_alerts import SHOWN_FIELDS, pinned_alerts
from products.alerts.rules import shop_rules
from products.history import charts
from products.history.batches import feed_entries
from products.history.change_display import show_changes
from products.history.recording import changes_committed
from products.history.snapshots import tracked_fields
from products.models.change import read_field_changes

__all__ = [
    # alerts
    "BELOW_COST",
    "EXPIRED",
    "EXPIRING",
    "KINDS",
    "LOW_STOCK",
    "SHOWN_FIELDS",
    "alerts_for",
    "pinned_alerts",
    "raised_kinds",
    "shop_rules",
    "stock_counters",
    "threshold",
    # history
    "changes_committed",
    "charts",
    "feed_entries",
    "read_field_changes",
    "show_changes",
    "tracked_fields",
]


def stock_counters(rules):
    """The feed's counters (products, units, stock value, each alert), as kept
    from every change set's deltas."""
    return stock_counts.current(rules)
