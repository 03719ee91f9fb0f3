import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products.history.actor import acting_as
from products.models import Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.helpers import media_files, served

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


# Versions: a stale admin form changes nothing -------------------------------


def delete_url(product):
    return reverse("admin:products_product_delete", args=[product.pk])


def change_data(product, **overrides):
    """What the change form posts for ``product`` as loaded, with ``overrides``."""
    loaded = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "price": str(product.price),
        "quantity": str(product.quantity),
        "version": product.version,
    }
    return admin_form(**{**loaded, **overrides})


def saved_meanwhile(product, **values):
    other = Product.objects.get(pk=product.pk)
    for name, value in values.items():
        setattr(other, name, value)
    with acting_as(None, source="shell"):
        other.save()


def test_admin_change_form_carries_the_version(superuser_client):
    product = ProductFactory()
    saved_meanwhile(product, quantity=4)

    response = superuser_client.get(change_url(product))

    assert '<input type="hidden" name="version" value="2">' in (
        response.content.decode()
    )


def test_a_stale_admin_save_of_other_fields_keeps_the_colleagues_value(
    superuser_client,
):
    product = ProductFactory(name="Blue Mug", price="12.50", quantity=7)
    data = change_data(product, quantity="3")
    saved_meanwhile(product, price="17.25")

    response = superuser_client.post(change_url(product), data, follow=True)

    assert response.redirect_chain[0][1] == 302
    assert Product.objects.values_list("price", "quantity", "version").get() == (
        Decimal("17.25"),
        3,
        3,
    )
    content = html.unescape(response.content.decode())
    assert "Price $17.25 set by shell just now was kept." in content


def test_a_stale_admin_save_of_a_field_changed_since_asks_whose_value_to_keep(
    superuser_client,
):
    product = ProductFactory(name="Blue Mug", price="12.50", quantity=7)
    data = change_data(product, price="16.00", quantity="3")
    saved_meanwhile(product, price="17.25")

    response = superuser_client.post(change_url(product), data)

    assert response.status_code == 409
    content = html.unescape(response.content.decode())
    assert "was changed since you opened this page" in content
    assert "nothing was saved" in content
    assert "$17.25" in content and "shell" in content
    assert '<input type="hidden" name="version" value="2">' in content
    assert '<input type="hidden" name="base_version" value="1">' in content
    assert 'name="quantity" value="3"' in content  # the admin's input, kept
    radios = re.findall(
        r'<input type="radio" name="resolve_(\w+)" value="(\w+)">', content
    )
    assert radios == [("price", "theirs"), ("price", "mine")]
    assert Product.objects.values_list("price", "quantity").get() == (
        Decimal("17.25"),
        7,
    )


@pytest.mark.parametrize("choice, price", [("mine", "16.00"), ("theirs", "17.25")])
def test_an_admin_conflict_sent_back_with_a_choice_applies_it(
    superuser_client, choice, price
):
    product = ProductFactory(price="12.50", quantity=7)
    saved_meanwhile(product, price="17.25")
    data = change_data(product, price="16.00", quantity="3", version=2, base_version=1)

    response = superuser_client.post(
        change_url(product), {**data, "resolve_price": choice}
    )

    assert response.status_code == 302
    assert Product.objects.values_list("price", "quantity", "version").get() == (
        Decimal(price),
        3,
        3,
    )


def test_an_admin_conflict_sent_back_without_a_choice_says_so(superuser_client):
    product = ProductFactory(price="12.50", quantity=7)
    saved_meanwhile(product, price="17.25")
    data = change_data(product, price="16.00", version=2, base_version=1)

    response = superuser_client.post(change_url(product), data)

    assert response.status_code == 409
    content = html.unescape(response.content.decode())
    assert "Choose whose value to keep for: Price. Nothing was saved." in content
    assert Product.objects.get().price == Decimal("17.25")


def test_a_stale_admin_delete_is_refused_with_a_message(superuser_client):
    product = ProductFactory(name="Blue Mug")
    saved_meanwhile(product, quantity=4)

    response = superuser_client.post(
        delete_url(product), {"post": "yes", "version": 1}, follow=True
    )

    assert Product.objects.filter(pk=product.pk).exists()
    content = html.unescape(response.content.decode())
    assert "“Blue Mug” was changed since you opened this page" in content
    assert "quantity by shell" in content
    assert "nothing was deleted" in content
    assert '<input type="hidden" name="version" value="2">' in content


def test_an_admin_delete_without_a_version_deletes_nothing(superuser_client):
    product = ProductFactory()

    response = superuser_client.post(delete_url(product), {"post": "yes"})

    assert response.status_code == 302
    assert Product.objects.filter(pk=product.pk).exists()


def test_an_admin_delete_at_the_current_version_is_recorded(superuser_client):
    product = ProductFactory(name="Blue Mug")

    response = superuser_client.post(delete_url(product), {"post": "yes", "version": 1})

    assert response.status_code == 302
    change = ProductChange.objects.latest("pk")
    assert (change.action, change.source, change.product_name) == (
        "deleted",
        "admin",
        "Blue Mug",
    )


def test_admin_refuses_a_bmp_image_on_the_change_form_too(
    superuser_client, image_bytes, media_root
):
    product = ProductFactory()
    bmp = SimpleUploadedFile("picture.bmp", image_bytes("BMP"), "image/bmp")

    response = superuser_client.post(
        change_url(product), change_data(product, image=bmp)
    )

    assert response.status_code == 200
    assert "Upload a JPEG, PNG, WebP or GIF image." in admin_errors(response)
    assert Product.objects.get(pk=product.pk).image.name == ""
    assert media_files(media_root) == set()


def test_admin_changes_go_through_the_versioned_write(superuser_client):
    product = ProductFactory(quantity=1)

    with CaptureQueriesContext(connection) as queries:
        superuser_client.post(change_url(product), change_data(product, quantity="2"))

    assert not any("FOR UPDATE" in query["sql"] for query in queries)
    assert Product.objects.values_list("quantity", "version").get() == (2, 2)
    assert ProductChange.objects.latest("pk").product_version == 2


def test_admin_edits_the_stock_fields_with_the_forms_messages(superuser_client):
    page = superuser_client.get(ADD).content.decode()
    assert "Staff only: shoppers never see it." in page

    refused = superuser_client.post(ADD, admin_form(cost_price="-2"))
    assert "A cost price cannot be negative." in refused.content.decode()
    assert not Product.objects.exists()

    response = superuser_client.post(
        ADD,
        admin_form(
            cost_price="2.50", expiry_date="2027-01-31", low_stock_threshold="4"
        ),
    )
    assert response.status_code == 302
    product = Product.objects.get()
    assert (
        product.cost_price,
        str(product.expiry_date),
        product.low_stock_threshold,
    ) == (
        Decimal("2.50"),
        "2027-01-31",
        4,
    )
