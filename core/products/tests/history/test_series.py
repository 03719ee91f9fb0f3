"""A product's price and stock over time, from its change rows, drawn on its
timeline, its staff page, and as the table's sparklines."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import StaffWithoutPermissionsFactory
from core.testing.fixtures import logged_in_client
from products.editing import writes
from products.history.series import price_and_stock, stock_sparklines
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def moved(product, **data):
    product.refresh_from_db()
    return writes.product_update(product=product, version=product.version, data=data)


@pytest.fixture
def mug(db):
    product = ProductFactory(name="Blue Mug", price=Decimal("10.00"), quantity=5)
    moved(product, quantity=8)
    moved(product, price=Decimal("12.50"))
    moved(product, quantity=2, name="Blue Mug (large)")
    return product


def test_the_series_come_from_the_change_rows(mug):
    history = price_and_stock(mug)
    assert [value for _, value in history.price.values] == [
        Decimal("10.00"),
        Decimal("12.50"),
    ]
    assert [value for _, value in history.stock.values] == [5, 8, 2]
    assert (history.stock.low, history.stock.high) == (2, 8)
    assert len(history.rows) == 4  # one per change that set either


def test_a_series_cut_short_opens_with_the_old_value(mug):
    history = price_and_stock(mug, limit=1)
    assert [value for _, value in history.stock.values] == [8, 2]
    assert history.price is None


def test_sparklines_for_a_page_are_one_query(mug, django_assert_num_queries):
    other = ProductFactory(quantity=1)
    with django_assert_num_queries(1):
        lines = stock_sparklines([mug.pk, other.pk])
    assert [value for _, value in lines[mug.pk].values] == [5, 8, 2]
    assert lines[other.pk].points


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_timeline_shows_the_chart_and_its_values(staff_client, mug):
    response = staff_client.get(reverse("product-history", args=[mug.slug]))
    page = text(response)
    assert "Price: $10.00 → $12.50 (lowest $10.00, highest $12.50)" in page
    assert "Units in stock: 5 → 2 (lowest 2, highest 8)" in page
    assert "Price and stock at each change, newest first" in page
    assert '<polyline class="chart-line-quantity"' in response.content.decode()


def test_the_staff_product_page_shows_the_chart(staff_client, mug):
    response = staff_client.get(mug.get_absolute_url())
    assert "Units in stock: 5 → 2" in text(response)


def test_visitors_and_staff_who_may_not_see_history_get_no_chart(client, mug):
    assert "Units in stock:" not in text(client.get(mug.get_absolute_url()))
    other = logged_in_client(StaffWithoutPermissionsFactory())
    assert "Units in stock:" not in text(other.get(mug.get_absolute_url()))
