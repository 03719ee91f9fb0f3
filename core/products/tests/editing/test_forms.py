"""The staff forms' stock fields: cost price, expiry date and a product's own
low-stock threshold, with their messages beside the field."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from products.models import Product
from products.tests.factories import ProductFactory, product_form_data
from products.tests.helpers import field_errors

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("product-create")


def edit_url(product):
    return reverse("product-update", args=[product.slug])


def test_the_create_form_offers_the_stock_fields_with_help(staff_client, settings):
    settings.EXPIRY_ALERT_DAYS = 21
    settings.LOW_STOCK_THRESHOLD = 7

    page = staff_client.get(CREATE_URL).content.decode()

    for name, label in [
        ("cost_price", "Unit cost"),
        ("expiry_date", "Expiry date"),
        ("low_stock_threshold", "Low-stock threshold"),
    ]:
        assert f'name="{name}"' in page
        assert f">{label}</label>" in page
    assert 'type="date" name="expiry_date"' in page
    assert "Staff only: shoppers never see it." in page
    assert "Staff are alerted 21 days ahead." in page
    assert "the shop&#x27;s threshold (7)" in page


def test_creating_with_the_stock_fields_saves_them(staff_client):
    response = staff_client.post(
        CREATE_URL,
        product_form_data(
            cost_price="4.20", expiry_date="2027-06-30", low_stock_threshold="12"
        ),
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.cost_price, product.expiry_date, product.low_stock_threshold) == (
        Decimal("4.20"),
        date(2027, 6, 30),
        12,
    )


def test_the_stock_fields_are_optional(staff_client):
    response = staff_client.post(CREATE_URL, product_form_data())

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.cost_price, product.expiry_date, product.low_stock_threshold) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("cost_price", "-1", "A cost price cannot be negative."),
        ("cost_price", "four", "Enter the cost in dollars, such as 4.20."),
        ("cost_price", "1.234", "Enter at most 2 decimal places (cents)."),
        ("cost_price", "123456789", "Enter at most 8 digits before the decimal point."),
        (
            "expiry_date",
            "30/06/2027",
            "Enter a date as YYYY-MM-DD, such as 2026-06-30.",
        ),
        ("low_stock_threshold", "-3", "A threshold cannot be negative."),
        ("low_stock_threshold", "2.5", "Enter a whole number of units."),
    ],
)
def test_bad_stock_values_are_explained_beside_the_field(
    staff_client, field, value, message
):
    response = staff_client.post(CREATE_URL, product_form_data(**{field: value}))

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert not Product.objects.exists()


def test_the_edit_form_shows_and_keeps_the_stock_values(staff_client):
    product = ProductFactory(
        cost_price=Decimal("4.20"), expiry_date=date(2027, 6, 30), low_stock_threshold=3
    )

    page = staff_client.get(edit_url(product)).content.decode()
    assert 'value="4.20"' in page
    assert 'value="2027-06-30"' in page

    response = staff_client.post(
        edit_url(product), product_form_data(product, cost_price="")
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.cost_price, product.expiry_date, product.low_stock_threshold) == (
        None,
        date(2027, 6, 30),
        3,
    )


def test_the_image_field_says_the_configured_limit_and_offers_the_accepted_formats(
    staff_client, admin_client, settings
):
    settings.PRODUCT_IMAGE_MAX_BYTES = 2 * 1024 * 1024

    page = staff_client.get(CREATE_URL).content.decode()
    admin = admin_client.get(reverse("admin:products_product_add")).content.decode()

    assert "JPEG, PNG, WebP or GIF, at most 2.0 MB." in page
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in page
    assert "JPEG, PNG, WebP or GIF, at most 2.0 MB." in admin
