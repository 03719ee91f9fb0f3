"""Staff see cost, margin and expiry on the product page and in the catalog."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import StaffWithoutPermissionsFactory
from core.testing.fixtures import logged_in_client
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_staff_see_cost_margin_and_expiry_on_the_product_page(staff_client):
    product = ProductFactory(
        price=Decimal("12.50"),
        cost_price=Decimal("10.00"),
        expiry_date=timezone.localdate() + timedelta(days=3),
        low_stock_threshold=8,
    )

    page = text(staff_client.get(product.get_absolute_url()))

    assert "<dt>Unit cost</dt><dd>$10.00</dd>" in page
    assert '<span class="margin">$2.50 (20.0%)</span>' in page
    assert "expires in 3 days" in page
    assert "<dt>Low-stock threshold</dt><dd>8</dd>" in page


def test_a_loss_and_a_past_expiry_stand_out(staff_client):
    product = ProductFactory(
        price=Decimal("8.00"),
        cost_price=Decimal("10.00"),
        expiry_date=timezone.localdate() - timedelta(days=1),
    )

    page = text(staff_client.get(product.get_absolute_url()))

    assert '<span class="margin margin-negative">-$2.00 (-25.0%)</span>' in page
    assert '<span class="expiry expiry-past">expired 1 day ago</span>' in page


def test_expiry_today(staff_client):
    product = ProductFactory(expiry_date=timezone.localdate())
    assert "expires today" in text(staff_client.get(product.get_absolute_url()))


def test_without_cost_or_expiry_the_page_says_so(staff_client):
    product = ProductFactory()
    page = text(staff_client.get(product.get_absolute_url()))
    assert "<dt>Unit cost</dt><dd>—</dd>" in page
    assert "<dt>Margin</dt><dd>—</dd>" in page
    assert "<dt>Low-stock threshold</dt><dd>the shop’s default</dd>" in page


def test_staff_see_margin_and_expiry_in_the_catalog(staff_client):
    ProductFactory(
        name="Blue Mug",
        price=Decimal("3.00"),
        cost_price=Decimal("2.00"),
        expiry_date=timezone.localdate() + timedelta(days=30),
    )

    for response in (
        staff_client.get("/products/"),
        staff_client.get("/products/", headers={"HX-Request": "true"}),
    ):
        page = text(response)
        assert 'Cost $2.00, margin <span class="margin">$1.00 (33.3%)</span>' in page
        assert "expires in 30 days" in page


def test_staff_without_the_view_permission_see_no_cost():
    product = ProductFactory(cost_price=Decimal("7654.32"))
    client = logged_in_client(StaffWithoutPermissionsFactory())
    assert "7,654.32" not in text(client.get(product.get_absolute_url()))
