"""Stock alerts: what needs a staff member's attention about one product.

Pure: no database, no Django models. The input is a product's values
(``StockValues``), the shop's rules (``AlertRules``, from the settings) and today's
date; the output is the product's open alerts. The feed's pinned list, the
change rows ("resolved: low stock") and the counters all follow these rules; the
database queries that find alerting products (``open_alerts``) say the same in
SQL and are tested against this module.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

OUT_OF_STOCK = "out"
LOW_STOCK = "low"
EXPIRED = "expired"
EXPIRING = "expiring"
BELOW_COST = "below-cost"

# Most urgent first: the pinned list shows them in this order.
KINDS = (OUT_OF_STOCK, EXPIRED, BELOW_COST, LOW_STOCK, EXPIRING)
LABELS = {
    OUT_OF_STOCK: "out of stock",
    LOW_STOCK: "low stock",
    EXPIRED: "expired",
    EXPIRING: "expiring soon",
    BELOW_COST: "price below cost",
}
# Kinds that describe one concern, the worse first: a product is at most in one
# of each. Going from the worse to the milder (restocking an empty shelf to a
# low one) resolves the worse; the other way round resolves nothing.
FAMILIES = ((OUT_OF_STOCK, LOW_STOCK), (EXPIRED, EXPIRING), (BELOW_COST,))
# The product fields the alerts read: a change touching none of them cannot
# make a product's alerts differ (apart from days passing, for expiry).
INPUT_FIELDS = frozenset(
    {"quantity", "low_stock_threshold", "price", "cost_price", "expiry_date"}
)


@dataclass(frozen=True)
class AlertRules:
    """The shop-wide settings: ``LOW_STOCK_THRESHOLD`` and ``EXPIRY_ALERT_DAYS``."""

    low_stock_threshold: int
    expiry_alert_days: int


@dataclass(frozen=True)
class StockValues:
    quantity: int
    price: Decimal
    cost_price: Decimal | None = None
    expiry_date: date | None = None
    low_stock_threshold: int | None = None


@dataclass(frozen=True)
class Alert:
    kind: str
    # Days until the expiry date (negative once past) for expiry alerts.
    days: int | None = None

    @property
    def label(self):
        return LABELS[self.kind]


def threshold(values, rules):
    """The quantity at or below which ``values`` is low on stock: the product's
    own threshold when set, else the shop's."""
    if values.low_stock_threshold is not None:
        return values.low_stock_threshold
    return rules.low_stock_threshold


def stock_status(values, rules):
    """``"out"``, ``"low"`` or ``"in"`` (the stock badge)."""
    if values.quantity == 0:
        return "out"
    if values.quantity <= threshold(values, rules):
        return "low"
    return "in"


def alerts_for(values, rules, today):
    """The open alerts of one product, most urgent first."""
    found = []
    status = stock_status(values, rules)
    if status == "out":
        found.append(Alert(OUT_OF_STOCK))
    elif status == "low":
        found.append(Alert(LOW_STOCK))
    if values.expiry_date is not None:
        days = (values.expiry_date - today).days
        if days < 0:
            found.append(Alert(EXPIRED, days=days))
        elif days <= rules.expiry_alert_days:
            found.append(Alert(EXPIRING, days=days))
    if values.cost_price is not None and values.price < values.cost_price:
        found.append(Alert(BELOW_COST))
    return sorted(found, key=lambda alert: KINDS.index(alert.kind))


def family_of(kind):
    return next(family for family in FAMILIES if kind in family)


def kinds_of(values, rules, today):
    """The kinds of ``values``' open alerts; none for ``None`` (no product: before
    a create, after a delete)."""
    if values is None:
        return []
    return [alert.kind for alert in alerts_for(values, rules, today)]


def resolved_kinds(before, after):
    """Which of the alert kinds ``before`` a change to the kinds ``after``
    resolved: gone, or replaced by the milder kind of the same concern
    (restocking an empty shelf a little resolves "out of stock", though "low
    stock" opens)."""
    resolved = []
    for kind in before:
        family = family_of(kind)
        now = [other for other in family if other in after]
        if not now or family.index(now[0]) > family.index(kind):
            resolved.append(kind)
    return resolved


def raised_kinds(before, after):
    """The alert kinds open after a change that were not before it."""
    return [kind for kind in after if kind not in before]
