"""The queries that find alerting products say what ``products.alerts.kinds`` says."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from products.alerts.kinds import (
    BELOW_COST,
    EXPIRED,
    EXPIRING,
    LOW_STOCK,
    OUT_OF_STOCK,
    AlertRules,
    alerts_for,
)
from products.alerts.open_alerts import conditions, pinned_alerts
from products.models import Product
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
RULES = AlertRules(low_stock_threshold=5, expiry_alert_days=14)


def varied_catalog():
    """Products on each side of every boundary."""
    products = []
    for quantity in (0, 1, 5, 6, 20, 21):
        for own in (None, 0, 20):
            products.append(ProductFactory(quantity=quantity, low_stock_threshold=own))
    for days in (-30, -1, 0, 14, 15, None):
        products.append(
            ProductFactory(
                expiry_date=days is not None and TODAY + timedelta(days) or None
            )
        )
    for price, cost in (("5.00", "6.00"), ("6.00", "6.00"), ("7.00", None)):
        products.append(
            ProductFactory(price=Decimal(price), cost_price=cost and Decimal(cost))
        )
    return products


def test_each_kinds_query_finds_exactly_the_products_the_rules_alert():
    varied_catalog()
    for kind, condition in conditions(RULES, TODAY).items():
        found = set(Product.objects.filter(condition).values_list("pk", flat=True))
        expected = {
            product.pk
            for product in Product.objects.all()
            if kind in [alert.kind for alert in alerts_for(product, RULES, TODAY)]
        }
        assert found == expected, kind
        assert expected, f"the catalog has no {kind} product to check"


def test_the_pinned_list_is_bounded_and_most_urgent_first():
    varied_catalog()
    pinned = pinned_alerts(limit=8, rules=RULES, today=TODAY)

    kinds = [alert.kind for _, alert in pinned]
    assert len(pinned) == 8
    # Three products are out of stock, two expired (longest ago first), one is
    # priced below cost; the rest of the room goes to the lowest stock.
    assert kinds == [OUT_OF_STOCK] * 3 + [EXPIRED] * 2 + [BELOW_COST] + [LOW_STOCK] * 2
    assert [alert.days for _, alert in pinned[3:5]] == [-30, -1]
    assert [product.quantity for product, _ in pinned[6:]] == [1, 1]


def test_the_pinned_list_shows_every_kind_when_there_is_room():
    varied_catalog()
    kinds = {alert.kind for _, alert in pinned_alerts(100, RULES, TODAY)}
    assert kinds == {OUT_OF_STOCK, LOW_STOCK, EXPIRED, EXPIRING, BELOW_COST}


def test_an_empty_catalog_has_no_alerts():
    assert pinned_alerts(50, RULES, TODAY) == []
