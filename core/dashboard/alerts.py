"""The stock alerts pinned above the feed's rows: the list the page (and a
socket's current state) shows, and the updates a change's event carries so that
the list stays current while the page is open.

An event carries updates only when its change recorded that its product's alerts
differ (``ProductChange.alerts``): the items it opened go on top of the list, the
ones it closed are removed by id (``alert-42-low``), the ones still open are
replaced by id (a new quantity, say). Rendered once per event, like the row.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from products.formats import expiry, money, quantity
from products.models import Product, ProductChange
from products.selectors import (
    BELOW_COST,
    EXPIRED,
    EXPIRING,
    KINDS,
    LOW_STOCK,
    SHOWN_FIELDS,
    alerts_for,
    pinned_alerts,
    raised_kinds,
    shop_rules,
    threshold,
)


@dataclass(frozen=True)
class ShownAlert:
    product_pk: int
    product_name: str
    url: str
    kind: str
    label: str
    detail: str

    @property
    def dom_id(self):
        return alert_id(self.product_pk, self.kind)


def alert_id(product_pk, kind):
    return f"alert-{product_pk}-{kind}"


def detail(product, alert, rules, today):
    """What the alert is about, in a few words: ``3 left, low at 5``."""
    if alert.kind == LOW_STOCK:
        return (
            f"{quantity(product.quantity)} left, low at "
            f"{quantity(threshold(product, rules))}"
        )
    if alert.kind in (EXPIRED, EXPIRING):
        return expiry(product.expiry_date, today)
    if alert.kind == BELOW_COST:
        return f"price {money(product.price)}, cost {money(product.cost_price)}"
    return "no units left"


def shown(product, alert, rules, today):
    return ShownAlert(
        product_pk=product.pk,
        product_name=product.name,
        url=product.get_absolute_url(),
        kind=alert.kind,
        label=alert.label,
        detail=detail(product, alert, rules, today),
    )


def pinned():
    """The alerts the feed page shows: at most ``STOCK_ALERTS_SHOWN``, the most
    urgent first."""
    rules, today = shop_rules(), timezone.localdate()
    return [
        shown(product, alert, rules, today)
        for product, alert in pinned_alerts(settings.STOCK_ALERTS_SHOWN, rules, today)
    ]


def render_pinned_afresh():
    """The whole pinned list, replacing the page's."""
    return render_to_string(
        "dashboard/_stock_alerts.html", {"alerts": pinned(), "oob": True}
    )


def recorded_kinds(recorded, side):
    """The kinds a change recorded on one side; kinds this version does not know
    (a row from a later one) are left out."""
    return [kind for kind in recorded.get(side) or [] if kind in KINDS]


def batch_moved_alerts(batch_id):
    """Whether any change of the batch opened or closed an alert (each records
    its product's alerts only when they differ)."""
    return ProductChange.objects.filter(batch_id=batch_id).exclude(alerts={}).exists()


def render_updates(change):
    """The out-of-band updates of the pinned list that ``change``'s event
    carries: ``""`` when it left its product's alerts as they were."""
    if change.batch_id is not None:
        # Only a batch's entry is an event, standing for many products: the
        # list afresh is one bounded query, however many products moved.
        return render_pinned_afresh() if batch_moved_alerts(change.batch_id) else ""
    recorded = change.alerts
    if not isinstance(recorded, dict) or not recorded:
        return ""
    pk = recorded.get("product")
    if pk is None:
        # Recorded without its product's id: the list afresh, from the catalog.
        return render_pinned_afresh()
    before, after = recorded_kinds(recorded, "before"), recorded_kinds(
        recorded, "after"
    )
    rules, today = shop_rules(), timezone.localdate()
    product = Product.objects.filter(pk=pk).only(*SHOWN_FIELDS).first()
    # Shown as the product is now: a later change may have moved it on (its own
    # event then updates the list again).
    now = {}
    if product is not None:
        now = {
            alert.kind: shown(product, alert, rules, today)
            for alert in alerts_for(product, rules, today)
        }
    opened = [now[kind] for kind in raised_kinds(before, after) if kind in now]
    kept = [now[kind] for kind in after if kind in before and kind in now]
    closed = [alert_id(pk, kind) for kind in before if kind not in after]
    return render_to_string(
        "dashboard/_stock_alert_updates.html",
        {"opened": opened, "kept": kept, "closed": closed},
    )
