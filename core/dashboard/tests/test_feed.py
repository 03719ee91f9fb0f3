"""The feed's counters: low stock by each product's own threshold, open alerts
by kind, all from one query."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.feed import counters
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_low_stock_counts_each_product_by_its_own_threshold():
    ProductFactory(quantity=5)  # at the shop's threshold (5)
    ProductFactory(quantity=6)
    ProductFactory(quantity=15, low_stock_threshold=20)  # above 5, at its own
    ProductFactory(quantity=3, low_stock_threshold=2)  # below 5, above its own
    ProductFactory(quantity=0)

    assert counters()["low_stock"] == 3


def test_open_alerts_are_counted_by_kind_in_one_query():
    today = timezone.localdate()
    ProductFactory(quantity=0)
    ProductFactory(quantity=2)
    ProductFactory(expiry_date=today - timedelta(days=1))
    ProductFactory(expiry_date=today + timedelta(days=3))
    ProductFactory(price=Decimal("5"), cost_price=Decimal("6"), quantity=1)

    with CaptureQueriesContext(connection) as queries:
        shown = counters()

    assert len(queries) == 1
    assert shown["alerts"] == {
        "out": 1,
        "expired": 1,
        "below-cost": 1,
        "low": 2,
        "expiring": 1,
    }
    assert shown["open_alerts"] == 6
