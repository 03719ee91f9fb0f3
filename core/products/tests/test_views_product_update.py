from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.models import Product

from .factories import ProductFactory, product_form_data
from .helpers import BAD_VALUES, NUL_FIELDS, field_errors, media_files, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(image_bytes):
    return ProductFactory(
        name="Blue Mug",
        sku="MUG-1",
        price=Decimal("12.50"),
        quantity=7,
        image=SimpleUploadedFile("old.png", image_bytes("PNG"), "image/png"),
    )


def edit_url(product):
    return reverse("product-update", args=[product.slug])


def edit(client, product, **overrides):
    return client.post(edit_url(product), product_form_data(product, **overrides))


def stored(product):
    return Product.objects.values(
        "name", "slug", "sku", "price", "quantity", "supplier", "image"
    ).get(pk=product.pk)


def test_edit_page_shows_the_stored_values(staff_client, product):
    response = staff_client.get(edit_url(product))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Edit “Blue Mug”" in content
    assert 'value="blue-mug"' in content
    assert 'value="MUG-1"' in content
    assert 'value="12.50"' in content


def test_edit_saves_and_redirects_to_the_product_page(staff_client, product):
    response = edit(
        staff_client, product, price="9.75", quantity="0", supplier="New Supplier"
    )

    assert response.status_code == 302
    assert response.url == reverse("product-detail", args=["blue-mug"])
    product.refresh_from_db()
    assert (product.price, product.quantity) == (Decimal("9.75"), 0)
    assert product.supplier == "New Supplier"
    page = staff_client.get(response.url).content.decode()
    assert "Saved “Blue Mug”." in page
    assert "Out of stock" in page


def test_renaming_keeps_the_address(staff_client, product):
    response = edit(staff_client, product, name="Red Mug")

    assert response.url == reverse("product-detail", args=["blue-mug"])
    assert stored(product)["name"] == "Red Mug"
    assert "Red Mug" in staff_client.get(response.url).content.decode()


def test_staff_may_change_the_address_and_the_product_moves(staff_client, product):
    response = edit(staff_client, product, slug="sky-mug")

    new_url = reverse("product-detail", args=["sky-mug"])
    assert response.url == new_url
    assert "Blue Mug" in staff_client.get(new_url).content.decode()
    old = staff_client.get(reverse("product-detail", args=["blue-mug"]))
    assert (old.status_code, old["Location"]) == (301, new_url)  # old links work


@pytest.mark.parametrize(
    "slug, message",
    [
        ("create", "“create” is reserved for the site's own pages; choose another."),
        ("red-mug", "Another product already uses this web address."),
        ("", "This field is required."),
        ("sky mug!", "Enter a valid “slug”"),
    ],
)
def test_unusable_address_is_refused(staff_client, product, slug, message):
    ProductFactory(name="Red Mug")
    before = stored(product)

    response = edit(staff_client, product, slug=slug)

    assert response.status_code == 200
    assert message in " ".join(field_errors(response, "slug"))
    assert stored(product) == before


def test_sku_of_another_product_is_refused_whatever_its_case(staff_client, product):
    ProductFactory(name="Red Mug", sku="MUG-2")
    before = stored(product)

    response = edit(staff_client, product, sku="mug-2")

    assert field_errors(response, "sku") == ["Another product already uses this SKU."]
    assert stored(product) == before


@pytest.mark.parametrize("posted, field, message", BAD_VALUES)
def test_bad_value_leaves_the_stored_product_unchanged(
    staff_client, product, media_root, posted, field, message
):
    before, files = stored(product), media_files(media_root)

    response = edit(staff_client, product, **posted)

    assert response.status_code == 200
    assert message in " ".join(field_errors(response, field))
    assert stored(product) == before
    assert media_files(media_root) == files


def test_refused_edit_still_names_and_links_the_product_as_stored(
    staff_client, product
):
    response = edit(staff_client, product, name="Red Mug", slug="red-mug", price="-1")

    content = response.content.decode()
    assert "Edit “Blue Mug”" in content
    assert "Edit “Red Mug”" not in content
    assert f'<a href="{product.get_absolute_url()}">Cancel</a>' in content
    assert 'value="Red Mug"' in content  # what was typed is kept for correction


# Images ----------------------------------------------------------------------


def test_replacing_the_image_stores_and_shows_the_new_one(
    staff_client, product, media_root, image_bytes
):
    new_content = image_bytes("JPEG", size=(40, 30))
    upload = SimpleUploadedFile("new.jpg", new_content, "image/jpeg")

    response = edit(staff_client, product, image=upload)

    assert response.status_code == 302
    product.refresh_from_db()
    assert Path(product.image.name).name == "new.jpg"
    assert Path(product.image.path).read_bytes() == new_content
    assert Path(product.image.path).is_relative_to(media_root)
    page = staff_client.get(response.url).content.decode()
    assert f'src="{product.image.url}"' in page


def test_refused_image_keeps_the_old_one(staff_client, product, media_root):
    before, files = stored(product), media_files(media_root)
    upload = SimpleUploadedFile("fake.png", b"not an image", "image/png")

    response = edit(staff_client, product, image=upload)

    assert field_errors(response, "image")[0].startswith("Upload a valid image.")
    assert stored(product) == before
    assert media_files(media_root) == files


def test_saving_without_a_new_file_keeps_the_image(staff_client, product):
    image = stored(product)["image"]

    edit(staff_client, product, price="1.00")

    assert stored(product)["image"] == image


def test_image_can_be_removed(staff_client, product):
    response = edit(staff_client, product, **{"image-clear": "on"})

    assert response.status_code == 302
    assert stored(product)["image"] == ""
    page = staff_client.get(response.url).content.decode()
    assert "placeholder.svg" in page


def test_editing_an_unknown_product_is_not_found(staff_client):
    response = staff_client.get(reverse("product-update", args=["no-such-mug"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_replaced_image_is_deleted_and_no_longer_served_after_commit(
    staff_client, product, media_root, image_upload, django_capture_on_commit_callbacks
):
    old_name = product.image.name
    assert served(old_name) == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = edit(staff_client, product, image=image_upload("JPEG"))

    assert response.status_code == 302
    new_name = stored(product)["image"]
    assert {name for name, _ in media_files(media_root)} == {new_name}
    assert served(old_name) == 404
    assert served(new_name) == 200


def test_removed_image_is_deleted_and_no_longer_served_after_commit(
    staff_client, product, media_root, django_capture_on_commit_callbacks
):
    old_name = product.image.name

    with django_capture_on_commit_callbacks(execute=True):
        edit(staff_client, product, **{"image-clear": "on"})

    assert media_files(media_root) == set()
    assert served(old_name) == 404


@pytest.mark.parametrize("field", ["slug", *NUL_FIELDS])
def test_nul_character_is_explained_beside_its_field(staff_client, product, field):
    before = stored(product)

    response = edit(staff_client, product, **{field: "blue\x00mug"})

    assert response.status_code == 200
    assert field_errors(response, field)
    assert stored(product) == before
