import re

import pytest
from django.urls import reverse

from products.models import Product

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:products_product_changelist")
ADD = reverse("admin:products_product_add")


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen")
    garden = CategoryFactory(name="Garden")
    ProductFactory(name="Blue Mug", sku="MUG-1", category=kitchen)
    ProductFactory(name="Red Mug", sku="MUG-2", category=garden)
    ProductFactory(name="Teapot", sku="TEA-1", category=kitchen)
    return {"kitchen": kitchen, "garden": garden}


def listed(response):
    return re.findall(
        r'<th class="field-name"><a [^>]*>(.*?)</a>', response.content.decode()
    )


def test_product_changelist_lists_every_product(superuser_client, catalog):
    response = superuser_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed(response) == ["Blue Mug", "Red Mug", "Teapot"]


def test_product_changelist_searches(superuser_client, catalog):
    response = superuser_client.get(CHANGELIST, {"q": "mug"})

    assert response.status_code == 200
    assert listed(response) == ["Blue Mug", "Red Mug"]


def test_product_changelist_filters_by_category(superuser_client, catalog):
    response = superuser_client.get(
        CHANGELIST, {"category__id__exact": catalog["kitchen"].pk, "q": "mug"}
    )

    assert response.status_code == 200
    assert listed(response) == ["Blue Mug"]


def admin_form(**overrides):
    return {
        "name": "Green Mug",
        "slug": "",
        "sku": "mug-9",
        "category": "",
        "price": "3.00",
        "quantity": "1",
        "supplier": "",
        "description": "",
        **overrides,
    }


def test_admin_makes_the_address_from_the_name_when_left_empty(superuser_client):
    response = superuser_client.post(ADD, admin_form(sku="MUG-9"))

    assert response.status_code == 302
    assert Product.objects.values_list("slug", flat=True).get() == "green-mug"


def test_admin_stores_the_sku_in_upper_case(superuser_client):
    response = superuser_client.post(ADD, admin_form(slug="green-mug", sku=" mug-9 "))

    assert response.status_code == 302
    assert Product.objects.values_list("sku", flat=True).get() == "MUG-9"


def test_admin_refuses_a_sku_in_use_whatever_its_case(superuser_client, catalog):
    response = superuser_client.post(ADD, admin_form(slug="green-mug", sku="mug-1"))

    assert response.status_code == 200
    assert "Another product already uses this SKU." in response.content.decode()
    assert Product.objects.count() == 3


def test_admin_refuses_a_name_that_makes_a_reserved_address(superuser_client):
    response = superuser_client.post(ADD, admin_form(name="Create"))

    assert response.status_code == 200
    assert "is reserved for the site" in response.content.decode()
    assert not Product.objects.exists()
