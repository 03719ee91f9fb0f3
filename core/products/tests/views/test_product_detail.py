from decimal import Decimal

import pytest
from django.urls import reverse

from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_product_page_shows_the_product(client):
    product = ProductFactory(
        name="Blue Mug",
        sku="MUG-1",
        price=Decimal("12.50"),
        quantity=7,
        category=CategoryFactory(name="Kitchen", slug="kitchen"),
        supplier="Acme Supplies",
        description="Stoneware.\n\nDishwasher safe.",
    )

    response = client.get(reverse("product-detail", args=[product.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Blue Mug</h1>" in content
    assert "$12.50" in content
    assert "<dd>MUG-1</dd>" in content
    assert "<dd>Acme Supplies</dd>" in content
    assert "<p>Dishwasher safe.</p>" in content
    assert f'href="{reverse("product-list")}?category=kitchen"' in content


def test_product_page_shows_money_and_quantity_in_the_site_formats(client):
    product = ProductFactory(price=Decimal("1234567.5"), quantity=12000)

    content = client.get(product.get_absolute_url()).content.decode()

    assert ">$1,234,567.50</span>" in content
    assert "In stock: 12,000" in content


def test_product_without_image_shows_the_placeholder(client):
    product = ProductFactory()

    content = client.get(product.get_absolute_url()).content.decode()

    assert "img/placeholder.svg" in content


def test_product_with_a_unicode_address_opens(client):
    product = ProductFactory(name="日本茶")

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    assert "<h1>日本茶</h1>" in response.content.decode()


def test_unknown_product_shows_our_not_found_page(client):
    response = client.get(reverse("product-detail", args=["no-such-mug"]))

    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert f'href="{reverse("product-list")}"' in content


def test_with_debug_on_an_unknown_product_still_shows_our_not_found_page(
    client, settings
):
    """make run turns DEBUG on: a mistyped product address must not show Django's
    technical 404 to a newcomer."""
    settings.DEBUG = True

    response = client.get(reverse("product-detail", args=["no-such-mug"]))

    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert "Back to the catalog" in content
    assert "URLconf" not in content


def test_an_out_of_stock_product_does_not_claim_to_be_in_stock(client):
    product = ProductFactory(quantity=0)

    content = client.get(product.get_absolute_url()).content.decode()

    assert "Out of stock" in content
    assert "In stock" not in content


def test_a_product_in_stock_shows_how_many(client):
    product = ProductFactory(quantity=17)

    content = client.get(product.get_absolute_url()).content.decode()

    assert "In stock: 17" in content


def test_product_name_is_escaped(client):
    product = ProductFactory(name="<script>alert(1)</script>")

    content = client.get(product.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in content


def test_head_request_is_answered(client):
    product = ProductFactory()

    assert client.head(product.get_absolute_url()).status_code == 200
