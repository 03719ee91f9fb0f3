"""Migration 0014: the stock counters start from one count of the catalog."""

from datetime import date
from decimal import Decimal

import pytest

from products.alerts import stock_count_checks, stock_counts
from products.tests.alerts.test_stock_counts import scanned
from products.tests.test_migrations import latest, migrate

BEFORE = [("products", "0013_table_sort_indexes_postgresql")]
AFTER = [("products", "0014_counters_stock_counts")]


@pytest.mark.django_db(transaction=True)
def test_the_counters_start_from_the_catalog_as_it_is():
    old_apps = migrate(BEFORE)
    try:
        Product = old_apps.get_model("products", "Product")
        for number, quantity in enumerate((0, 2, 9, 30)):
            Product.objects.create(
                name=f"Old {number}",
                slug=f"old-{number}",
                sku=f"OLD-{number}",
                price=Decimal("2.50"),
                quantity=quantity,
                cost_price=Decimal("3.00") if number % 2 else None,
                expiry_date=date(2026, 1, number + 1) if number else None,
                low_stock_threshold=10 if number == 2 else None,
            )
        migrate(AFTER)
    finally:
        migrate(latest())

    counts = stock_counts.current()
    assert (counts.products, counts.units, counts.low_stock) == (4, 41, 3)
    assert counts == scanned()
    assert stock_count_checks.recount() == {}
