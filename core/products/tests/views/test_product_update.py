import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.editing import writes
from products.history.actor import acting_as
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory, product_form_data
from products.tests.helpers import (
    BAD_VALUES,
    NUL_FIELDS,
    field_errors,
    media_files,
    served,
)

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


# Versions and conflicts --------------------------------------------------------


def hidden_version(response):
    return int(re.search(r'name="version" value="(\d+)"', response.content.decode())[1])


def conflict_section(response):
    """The text of the "what changed since you opened it" part of a page."""
    match = re.search(
        r'<section class="conflict".*?</section>', response.content.decode(), re.S
    )
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[0])))


def save_meanwhile(product, user, **values):
    """Another user's save, committed after the form was opened."""
    other = Product.objects.get(pk=product.pk)
    for name, value in values.items():
        setattr(other, name, value)
    with acting_as(user, source="admin"):
        other.save()
    return other


def test_the_edit_form_carries_the_version_it_shows(staff_client, product):
    save_meanwhile(product, None, quantity=8)

    response = staff_client.get(edit_url(product))

    assert hidden_version(response) == 2
    assert 'type="hidden" name="version"' in response.content.decode()


def page_text(response):
    return html.unescape(
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    )


def choices_offered(response):
    """``{field: [(value, checked)]}`` of the conflict page's resolve radios."""
    offered = {}
    for tag in re.findall(r'<input type="radio"[^>]*>', response.content.decode()):
        name = re.search(r'name="resolve_(\w+)"', tag)[1]
        value = re.search(r'value="(\w+)"', tag)[1]
        offered.setdefault(name, []).append((value, "checked" in tag))
    return offered


def conflict_row(response, field):
    match = re.search(
        rf'<tr data-field="{field}">(.*?)</tr>', response.content.decode(), re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match[1])).split())


def test_a_stale_edit_of_other_fields_saves_and_keeps_the_colleagues_value(
    staff_client, product, superuser
):
    # Opened at $12.50; an admin changes the price; the form changes only the
    # quantity. Saved as it was, the price would silently go back to $12.50.
    opened = staff_client.get(edit_url(product))
    save_meanwhile(product, superuser, price=Decimal("17.25"))

    response = edit(staff_client, product, quantity="3", version=hidden_version(opened))

    assert response.status_code == 302
    assert (stored(product)["price"], stored(product)["quantity"]) == (
        Decimal("17.25"),
        3,
    )
    change = ProductChange.objects.latest("pk")
    assert change.actor_name == "staff"
    assert {c["field"]: (c["old"], c["new"]) for c in change.changes} == {
        "quantity": ("7", "3")
    }
    assert change.product_version == 3
    page = page_text(staff_client.get(response.url))
    assert "Saved “Blue Mug”. Price $17.25 set by admin just now was kept." in page


def test_a_field_both_changed_differently_is_a_conflict_to_resolve(
    staff_client, product, superuser
):
    save_meanwhile(product, superuser, price=Decimal("17.25"), supplier="Brill")

    response = edit(staff_client, product, price="16.00", quantity="3", version=1)

    assert response.status_code == 409
    assert stored(product)["price"] == Decimal("17.25")
    assert stored(product)["quantity"] == 7
    assert ProductChange.objects.filter(product=product).count() == 2
    changed = conflict_section(response)
    assert "“Blue Mug” was changed since you opened this page" in changed
    assert "Your changes were not saved" in changed
    assert choices_offered(response) == {
        "price": [("theirs", False), ("mine", False)]  # nothing pre-selected
    }
    assert conflict_row(response, "price") == (
        "Price $12.50 Keep theirs: $17.25 set by admin just now Keep yours: $16.00"
    )
    content = response.content.decode()
    assert hidden_version(response) == 2
    assert 'name="base_version" value="1"' in content
    assert 'name="price" value="16.00"' in content  # the user's, to choose
    assert 'name="quantity" value="3"' in content  # the user's change
    assert 'name="supplier" value="Brill"' in content  # theirs: only they changed it


def resolve(client, conflict_page, product, **choices):
    """Sends the conflict page's form back as a browser would, with ``choices``."""
    data = product_form_data(
        Product.objects.get(pk=product.pk),
        price=re.search(
            r'name="price" value="([^"]*)"', conflict_page.content.decode()
        )[1],
        quantity="3",
        version=hidden_version(conflict_page),
        base_version=1,
    )
    data.update({f"resolve_{name}": side for name, side in choices.items()})
    return client.post(edit_url(product), data)


@pytest.mark.parametrize("choice, price", [("mine", "16.00"), ("theirs", "17.25")])
def test_each_choice_applies_with_the_rest_of_the_merge(
    staff_client, product, superuser, choice, price
):
    save_meanwhile(product, superuser, price=Decimal("17.25"), supplier="Brill")
    refused = edit(staff_client, product, price="16.00", quantity="3", version=1)

    response = resolve(staff_client, refused, product, price=choice)

    assert response.status_code == 302
    assert stored(product)["price"] == Decimal(price)
    assert (stored(product)["quantity"], stored(product)["supplier"]) == (3, "Brill")


def test_a_conflict_sent_back_without_a_choice_says_which_is_missing(
    staff_client, product, superuser
):
    save_meanwhile(product, superuser, price=Decimal("17.25"), quantity=8)
    refused = edit(staff_client, product, price="16.00", quantity="3", version=1)
    assert set(choices_offered(refused)) == {"price", "quantity"}

    response = resolve(staff_client, refused, product, quantity="mine")

    assert response.status_code == 409
    assert "Choose whose value to keep for: Price. Nothing was saved." in page_text(
        response
    )
    assert choices_offered(response) == {"price": [("theirs", False), ("mine", False)]}
    assert 'name="resolve_quantity" value="mine"' in response.content.decode()
    assert (stored(product)["price"], stored(product)["quantity"]) == (
        Decimal("17.25"),
        8,
    )


def test_a_product_that_moved_on_again_is_merged_again(
    staff_client, product, superuser
):
    save_meanwhile(product, superuser, price=Decimal("17.25"))
    refused = edit(staff_client, product, price="16.00", version=1)
    save_meanwhile(product, superuser, supplier="Brill")  # version 3

    response = resolve(staff_client, refused, product, price="mine")

    assert response.status_code == 302
    assert (stored(product)["price"], stored(product)["supplier"]) == (
        Decimal("16.00"),
        "Brill",
    )


def test_a_stale_edit_with_a_new_image_saves_it_as_the_users_change(
    staff_client, product, superuser, media_root, image_upload
):
    save_meanwhile(product, superuser, quantity=8)

    response = edit(staff_client, product, image=image_upload("PNG"), version=1)

    assert response.status_code == 302
    assert stored(product)["image"] != "products/old.png"
    assert stored(product)["quantity"] == 8


def test_an_image_replaced_meanwhile_is_kept_by_a_form_that_left_its_own_alone(
    staff_client, product, superuser, image_upload
):
    data = product_form_data(product, quantity="3")
    with acting_as(superuser, source="admin"):
        writes.product_update(
            product=Product.objects.get(pk=product.pk),
            version=1,
            data={"image": image_upload("JPEG")},
        )
    theirs = stored(product)["image"]

    response = staff_client.post(edit_url(product), data)

    assert response.status_code == 302
    assert (stored(product)["image"], stored(product)["quantity"]) == (theirs, 3)
    page = page_text(staff_client.get(response.url))
    assert f"Image {Path(theirs).name} set by admin just now was kept." in page


def test_a_conflicting_edit_with_a_new_image_stores_no_file_and_asks_for_it_again(
    staff_client, product, superuser, media_root, image_upload
):
    files = media_files(media_root)
    save_meanwhile(product, superuser, quantity=8)

    response = edit(
        staff_client, product, quantity="9", image=image_upload("PNG"), version=1
    )

    assert response.status_code == 409
    assert "Your new image was not kept: choose it again" in response.content.decode()
    assert media_files(media_root) == files


def test_an_edit_of_a_product_deleted_meanwhile_saves_nothing(
    staff_client, product, superuser
):
    data = product_form_data(product, price="1.00")
    with acting_as(superuser, source="admin"):
        Product.objects.get(pk=product.pk).delete()

    response = staff_client.post(edit_url(product), data)

    assert response.status_code == 410
    content = html.unescape(response.content.decode())
    assert "“Blue Mug” was deleted" in content
    assert "Nothing was saved" in content
    assert "admin" in content
    assert not Product.objects.exists()


def test_an_edit_sent_to_the_address_before_a_rename_is_merged_with_the_rename(
    staff_client, product, superuser
):
    data = product_form_data(product, price="1.00")
    save_meanwhile(product, superuser, slug="sky-mug")

    response = staff_client.post(edit_url(product), data)

    assert response.status_code == 302
    assert response.url == reverse("product-detail", args=["sky-mug"])
    assert (stored(product)["slug"], stored(product)["price"]) == (
        "sky-mug",
        Decimal("1.00"),
    )


def test_an_edit_of_the_address_both_changed_is_refused_with_the_rename(
    staff_client, product, superuser
):
    data = product_form_data(product, slug="red-mug")
    save_meanwhile(product, superuser, slug="sky-mug")

    response = staff_client.post(edit_url(product), data)

    assert response.status_code == 409
    assert "blue-mug" in conflict_section(response)
    assert "sky-mug" in conflict_section(response)
    content = response.content.decode()
    assert f'action="{reverse("product-update", args=["sky-mug"])}"' in content
    assert stored(product)["slug"] == "sky-mug"


def test_an_edit_without_its_version_saves_nothing(staff_client, product):
    before = stored(product)
    data = product_form_data(product, price="1.00")
    del data["version"]

    response = staff_client.post(edit_url(product), data)

    assert response.status_code == 200
    assert "sent without the version it was opened at" in html.unescape(
        response.content.decode()
    )
    assert stored(product) == before


def test_saving_unchanged_values_writes_and_records_nothing(staff_client, product):
    response = edit(staff_client, product)

    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).version == 1
    assert ProductChange.objects.filter(product=product).count() == 1  # created
