import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from products.history.actor import acting_as
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory
from products.tests.helpers import media_files, served

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


# Versions and conflicts --------------------------------------------------------


def test_a_stale_delete_is_refused_with_what_changed_since(
    staff_client, product, superuser
):
    page = staff_client.get(delete_url(product))
    other = Product.objects.get(pk=product.pk)
    other.price = Decimal("17.25")
    with acting_as(superuser, source="admin"):
        other.save()

    response = staff_client.post(delete_url(product), {"version": 1})

    assert page.status_code == 200
    assert response.status_code == 409
    assert Product.objects.filter(pk=product.pk).exists()
    content = html.unescape(response.content.decode())
    assert "“Blue Mug” was changed since you opened this page" in content
    assert "It was not deleted" in content
    assert "$17.25" in content and "admin" in content
    assert 'name="version" value="2"' in content


def test_confirming_again_after_a_conflict_deletes(staff_client, product):
    product.quantity = 3
    product.save()
    refused = staff_client.post(delete_url(product), {"version": 1})
    version = re.search(r'name="version" value="(\d+)"', refused.content.decode())[1]

    response = staff_client.post(delete_url(product), {"version": version})

    assert response.status_code == 302
    assert not Product.objects.exists()


def test_deleting_a_product_deleted_meanwhile_says_so(staff_client, product):
    product.delete()

    response = confirm(staff_client, product)

    assert response.status_code == 410
    content = html.unescape(response.content.decode())
    assert "“Blue Mug” was deleted" in content
    assert ProductChange.objects.filter(action="deleted").count() == 1


def test_a_delete_without_its_version_deletes_nothing(staff_client, product):
    response = staff_client.post(delete_url(product))

    assert response.status_code == 400
    assert "Nothing was deleted" in response.content.decode()
    assert Product.objects.filter(pk=product.pk).exists()


def test_a_delete_records_the_values_it_removed(staff_client, product):
    confirm(staff_client, product)

    change = ProductChange.objects.latest("pk")
    assert (change.action, change.actor_name, change.product_id) == (
        "deleted",
        "staff",
        None,
    )
    assert {c["field"]: c["old"] for c in change.changes}["sku"] == "MUG-1"
