import pytest
from django.urls import reverse

from products.models import Product, ProductChange

from .factories import ProductFactory
from .helpers import media_files, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(name="Blue Mug", sku="MUG-1")


def delete_url(product):
    return reverse("product-delete", args=[product.slug])


def confirm(client, product, **data):
    """Posts the confirmation, as its page would (at the product's version)."""
    return client.post(delete_url(product), {"version": product.version, **data})


def test_delete_page_asks_for_confirmation_and_keeps_the_product(staff_client, product):
    response = staff_client.get(delete_url(product))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Delete “Blue Mug”?" in content
    assert f'<form method="post" action="{delete_url(product)}">' in content
    assert f'name="version" value="{product.version}"' in content
    assert f'href="{product.get_absolute_url()}">Cancel' in content
    assert Product.objects.filter(pk=product.pk).exists()


def test_confirming_deletes_and_returns_to_the_catalog(staff_client, product):
    response = confirm(staff_client, product)

    assert response.status_code == 302
    assert response.url == reverse("product-list")
    assert not Product.objects.filter(pk=product.pk).exists()
    catalog = staff_client.get(response.url).content.decode()
    assert "Deleted “Blue Mug”." in catalog
    assert "No products match" in catalog
    assert staff_client.get(product.get_absolute_url()).status_code == 404


def test_deleting_keeps_the_change_history(staff_client, product):
    confirm(staff_client, product)

    actions = list(
        ProductChange.objects.filter(product_slug="blue-mug").values_list(
            "action", flat=True
        )
    )
    assert actions == ["deleted", "created"]


def test_deleting_an_unknown_product_is_not_found(staff_client):
    response = staff_client.post(reverse("product-delete", args=["no-such-mug"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_deleting_removes_the_image_after_commit(
    staff_client, media_root, image_upload, django_capture_on_commit_callbacks
):
    product = ProductFactory(image=image_upload("PNG"))
    name = product.image.name
    assert served(name) == 200

    with django_capture_on_commit_callbacks(execute=True):
        confirm(staff_client, product)

    assert media_files(media_root) == set()
    assert served(name) == 404
