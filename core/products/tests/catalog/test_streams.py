"""The public catalog stream's fragments: public fields only, keyed by pk."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from products.catalog.streams import (
    PublicProduct,
    render_catalog_updated,
    render_public_change,
    requested_products,
)
from products.tests.factories import ProductFactory


def secret_product(**fields):
    return ProductFactory(
        name="Blue Mug",
        sku="MUG-SECRET-1",
        price=Decimal("17.25"),
        quantity=3,
        supplier="Hidden Supplier Ltd",
        cost_price=Decimal("4.11"),
        description="Stoneware made by the secret supplier.",
        **fields,
    )


@pytest.mark.django_db
def test_a_change_swaps_price_and_stock_keyed_by_pk(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    product = secret_product()

    fragment = render_public_change(PublicProduct.of(product))

    assert f'id="product-{product.pk}-price" hx-swap-oob="true">$17.25<' in fragment
    assert f'id="product-{product.pk}-stock" hx-swap-oob="true">Low stock: 3<' in (
        fragment
    )
    assert product.slug not in fragment


@pytest.mark.django_db
def test_nothing_staff_only_or_private_is_ever_rendered():
    product = secret_product()

    fragment = render_public_change(PublicProduct.of(product))

    for private in ("Hidden Supplier", "4.11", "MUG-SECRET", "Blue Mug", "secret"):
        assert private not in fragment


@pytest.mark.django_db
def test_the_snapshot_holds_public_fields_only():
    snapshot = PublicProduct.of(secret_product())

    assert set(vars(snapshot)) == {"pk", "price", "quantity", "stock_status", "gone"}


def test_a_deleted_product_says_it_is_no_longer_available():
    fragment = render_public_change(PublicProduct.deleted(42))

    assert 'id="product-42-availability"' in fragment
    assert "No longer available." in fragment
    assert "product-42-price" not in fragment


def test_a_listing_hears_that_products_were_added_with_a_link():
    fragment = render_catalog_updated()

    assert 'id="catalog-updated" role="status" hx-swap-oob="true"' in fragment
    assert '<a href="">Show the current catalog</a>' in fragment


def test_every_pushed_element_is_top_level_with_an_id():
    fragment = render_public_change(PublicProduct(pk=7, price=Decimal("1.00")))

    assert fragment.count('hx-swap-oob="true"') == 2
    assert fragment.startswith("<span") and fragment.endswith("</span>")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("p=1&p=2", [1, 2]),
        ("p=2&p=2&p=1", [2, 1]),
        ("p=x&p=-3&p=0&p=%C2%B2&p=4", [4]),
        # No product has such a pk; its topic would be a name the layer refuses.
        ("p=" + "9" * 84 + "&p=5", [5]),
        (f"p={2**63}&p={2**63 - 1}", [2**63 - 1]),
        ("", []),
    ],
)
def test_a_page_asks_for_whole_positive_product_ids(query, expected):
    assert requested_products(QueryDict(query), limit=5) == expected


def test_asking_for_more_products_than_a_page_shows_is_refused():
    assert (
        requested_products(QueryDict("&".join(f"p={n}" for n in range(1, 8))), 6)
        is None
    )
