import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.models import Product

from .factories import CategoryFactory, ProductFactory
from .helpers import media_files, served

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


# Uploads and limits, as in the staff pages -------------------------------------


def change_url(product):
    return reverse("admin:products_product_change", args=[product.pk])


def admin_errors(response):
    """The error messages the admin form shows, as plain text."""
    items = re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    return [
        html.unescape(item)
        for block in items
        for item in re.findall(r"<li>(.*?)</li>", block)
    ]


def test_admin_refuses_a_bmp_image(superuser_client, image_bytes, media_root):
    bmp = SimpleUploadedFile("picture.bmp", image_bytes("BMP"), "image/bmp")

    response = superuser_client.post(ADD, admin_form(image=bmp))

    assert response.status_code == 200
    assert "Upload a JPEG, PNG, WebP or GIF image." in admin_errors(response)
    assert not Product.objects.exists()
    assert media_files(media_root) == set()


def test_admin_refuses_a_truncated_image(superuser_client, image_bytes, media_root):
    content = image_bytes("JPEG", size=(64, 48), noise=True)
    cut = SimpleUploadedFile("photo.jpg", content[: len(content) // 2], "image/jpeg")

    response = superuser_client.post(ADD, admin_form(image=cut))

    assert response.status_code == 200
    assert any("incomplete" in error for error in admin_errors(response))
    assert not Product.objects.exists()
    assert media_files(media_root) == set()


def test_admin_stores_the_extension_of_the_detected_format(
    superuser_client, image_upload
):
    response = superuser_client.post(
        ADD, admin_form(image=image_upload("JPEG", name="photo.png"))
    )

    assert response.status_code == 302
    assert Product.objects.get().image.name == "products/photo.jpg"


def test_admin_refuses_a_description_over_5000_characters(superuser_client):
    response = superuser_client.post(ADD, admin_form(description="x" * 5001))

    assert response.status_code == 200
    assert (
        "Ensure this value has at most 5000 characters (it has 5001)."
        in admin_errors(response)
    )
    assert not Product.objects.exists()


@pytest.mark.parametrize("field", ["name", "slug", "sku", "supplier", "description"])
def test_admin_refuses_nul_characters(superuser_client, field):
    response = superuser_client.post(ADD, admin_form(**{field: "green\x00mug"}))

    assert response.status_code == 200
    assert admin_errors(response)
    assert not Product.objects.exists()


def test_admin_deletes_a_replaced_image_after_commit(
    superuser_client, image_upload, media_root, django_capture_on_commit_callbacks
):
    product = ProductFactory(image=image_upload("PNG", name="old.png"))
    old_name = product.image.name
    data = admin_form(
        name=product.name,
        slug=product.slug,
        sku=product.sku,
        image=image_upload(),
        version=product.version,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(change_url(product), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert {name for name, _ in media_files(media_root)} == {product.image.name}
    assert served(old_name) == 404


def test_admin_deletes_the_image_of_a_deleted_product_after_commit(
    superuser_client, image_upload, media_root, django_capture_on_commit_callbacks
):
    product = ProductFactory(image=image_upload("PNG"))
    url = reverse("admin:products_product_delete", args=[product.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            url, {"post": "yes", "version": product.version}
        )

    assert response.status_code == 302
    assert not Product.objects.exists()
    assert media_files(media_root) == set()


def test_admin_bulk_delete_removes_every_image_after_commit(
    superuser_client, image_upload, media_root, django_capture_on_commit_callbacks
):
    products = [ProductFactory(image=image_upload("PNG")) for _ in range(2)]
    data = {
        "action": "delete_selected",
        "post": "yes",
        "_selected_action": [product.pk for product in products],
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(CHANGELIST, data)

    assert response.status_code == 302
    assert not Product.objects.exists()
    assert media_files(media_root) == set()
