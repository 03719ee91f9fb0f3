from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.models import Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory, product_form_data
from products.tests.helpers import (
    BAD_VALUES,
    NUL_FIELDS,
    NUL_MESSAGE,
    field_errors,
    media_files,
)

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("product-create")
FIELDS = ["name", "sku", "category", "price", "quantity", "supplier", "description"]


def create(client, **overrides):
    return client.post(CREATE_URL, product_form_data(**overrides))


def test_create_page_shows_an_empty_form_with_every_field(staff_client):
    response = staff_client.get(CREATE_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "New product" in content
    for field in [*FIELDS, "image"]:
        assert f'name="{field}"' in content
    assert 'enctype="multipart/form-data"' in content


def test_create_saves_the_product_and_redirects_to_its_page(staff_client):
    category = CategoryFactory(name="Kitchen")

    response = create(staff_client, sku=" mug-1 ", category=category.pk)

    product = Product.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("product-detail", args=["blue-mug"])
    assert (product.name, product.slug, product.sku) == (
        "Blue Mug",
        "blue-mug",
        "MUG-1",
    )
    assert (product.price, product.quantity) == (Decimal("12.50"), 7)
    assert (product.category, product.supplier) == (category, "Acme Supplies")
    assert product.description == "A mug, in blue."

    page = staff_client.get(response.url).content.decode()
    assert "Created “Blue Mug”." in page
    assert "MUG-1" in page


def test_second_product_with_the_same_name_gets_its_own_address(staff_client):
    ProductFactory(name="Blue Mug")

    response = create(staff_client, sku="MUG-2")

    assert response.url == reverse("product-detail", args=["blue-mug-2"])
    assert staff_client.get(response.url).status_code == 200


def test_unicode_name_gets_a_working_address(staff_client):
    response = create(staff_client, name="日本茶", sku="TEA-1")

    assert response.status_code == 302
    page = staff_client.get(response.url)
    assert page.status_code == 200
    assert "日本茶" in page.content.decode()


# Bad input -------------------------------------------------------------------


@pytest.fixture
def unchanged(media_root):
    """Asserts, after the test body, that nothing was written: no product, no
    change record, no uploaded file."""
    existing = ProductFactory(name="Existing", sku="MUG-1")
    before = (
        list(Product.objects.values_list("pk", "slug", "sku")),
        ProductChange.objects.count(),
    )
    yield existing
    after = (
        list(Product.objects.values_list("pk", "slug", "sku")),
        ProductChange.objects.count(),
    )
    assert after == before
    assert media_files(media_root) == set()


def assert_refused(response, field, message):
    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert message in " ".join(field_errors(response, field))


@pytest.mark.parametrize("posted, field, message", BAD_VALUES)
def test_bad_value_is_explained_beside_its_field(
    staff_client, unchanged, posted, field, message
):
    response = create(staff_client, **{"sku": "NEW-1", **posted})

    assert_refused(response, field, message)


@pytest.mark.parametrize("sku", ["MUG-1", "mug-1", " Mug-1 "])
def test_sku_already_in_use_is_refused_whatever_its_case(staff_client, unchanged, sku):
    response = create(staff_client, name="Another Mug", sku=sku)

    assert_refused(response, "sku", "Another product already uses this SKU.")


@pytest.mark.parametrize(
    "name, message",
    [
        ("!!!", "The name needs at least one letter or digit to make a web address."),
        ("Create", "“create” is reserved for the site's own pages; choose another."),
    ],
)
def test_name_that_cannot_make_an_address_is_refused(
    staff_client, unchanged, name, message
):
    response = create(staff_client, name=name, sku="NEW-1")

    assert_refused(response, "name", message)


def test_missing_name_is_explained_once(staff_client, unchanged):
    response = create(staff_client, name="", sku="NEW-1")

    assert field_errors(response, "name") == ["This field is required."]


def test_missing_fields_are_all_explained_at_once(staff_client, unchanged):
    response = staff_client.post(CREATE_URL, {"name": "", "sku": "", "price": ""})

    for field in ["name", "sku", "price"]:
        assert field_errors(response, field) == ["This field is required."]


NOT_AN_IMAGE = "Upload a valid image."


def text_renamed_png(image_bytes):
    return SimpleUploadedFile("notes.png", b"just some text\n" * 20, "image/png")


def png_header_then_html(image_bytes):
    content = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    return SimpleUploadedFile("page.png", content, "image/png")


def svg(image_bytes):
    content = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>"
    )
    return SimpleUploadedFile("drawing.svg", content, "image/svg+xml")


def svg_named_png(image_bytes):
    return SimpleUploadedFile("drawing.png", svg(image_bytes).read(), "image/png")


def bmp(image_bytes):
    return SimpleUploadedFile("picture.bmp", image_bytes("BMP"), "image/bmp")


def tiff(image_bytes):
    return SimpleUploadedFile("picture.tiff", image_bytes("TIFF"), "image/tiff")


def png_named_html(image_bytes):
    return SimpleUploadedFile("picture.html", image_bytes("PNG"), "text/html")


def png_named_pdf(image_bytes):
    return SimpleUploadedFile("picture.pdf", image_bytes("PNG"), "application/pdf")


def over_five_megabytes(image_bytes):
    # Random noise does not compress: 1400 x 1300 RGB pixels make a PNG of ~5.5 MB.
    content = image_bytes("PNG", size=(1400, 1300), noise=True)
    assert len(content) > 5 * 1024 * 1024
    return SimpleUploadedFile("huge.png", content, "image/png")


@pytest.mark.parametrize(
    "upload, message",
    [
        (text_renamed_png, NOT_AN_IMAGE),
        (png_header_then_html, NOT_AN_IMAGE),
        (svg, "Upload a JPEG, PNG, WebP or GIF image."),
        (svg_named_png, NOT_AN_IMAGE),
        (bmp, "Upload a JPEG, PNG, WebP or GIF image."),
        (tiff, "Upload a JPEG, PNG, WebP or GIF image."),
        (png_named_html, "Upload a JPEG, PNG, WebP or GIF image."),
        (png_named_pdf, "Upload a JPEG, PNG, WebP or GIF image."),
        (over_five_megabytes, "the limit is 5.0 MB (5,242,880 bytes)"),
    ],
)
def test_unacceptable_upload_is_refused(
    staff_client, unchanged, image_bytes, upload, message
):
    response = create(staff_client, sku="NEW-1", image=upload(image_bytes))

    assert_refused(response, "image", message)


def test_image_names_only_the_accepted_formats(staff_client, unchanged, image_bytes):
    response = create(staff_client, sku="NEW-1", image=png_named_html(image_bytes))

    assert field_errors(response, "image") == ["Upload a JPEG, PNG, WebP or GIF image."]


def test_image_with_too_many_pixels_is_refused(
    staff_client, unchanged, image_upload, settings
):
    settings.PRODUCT_IMAGE_MAX_PIXELS = 100

    response = create(staff_client, sku="NEW-1", image=image_upload(size=(20, 10)))

    assert_refused(
        response, "image", "The image is 20×10 pixels; at most 100 pixels are allowed."
    )


def test_image_larger_than_the_configured_limit_is_refused(
    staff_client, unchanged, image_upload, settings
):
    settings.PRODUCT_IMAGE_MAX_BYTES = 1000

    upload = image_upload(size=(40, 40), noise=True)
    response = create(staff_client, sku="NEW-1", image=upload)

    assert_refused(response, "image", "the limit is 1000")


def test_refused_form_keeps_what_was_typed(staff_client):
    response = create(staff_client, name="Blue Mug", price="-1", supplier="Mugs & Co")

    content = response.content.decode()
    assert 'value="Blue Mug"' in content
    assert 'value="Mugs &amp; Co"' in content


# Uploads ---------------------------------------------------------------------


def test_uploaded_png_is_stored_and_shown_on_the_product_page(
    staff_client, media_root, image_bytes
):
    content = image_bytes("PNG", size=(30, 20))
    upload = SimpleUploadedFile("mug.png", content, "image/png")

    response = create(staff_client, image=upload)

    product = Product.objects.get()
    stored = Path(product.image.path)
    assert stored.is_relative_to(media_root)
    assert stored.read_bytes() == content
    page = staff_client.get(response.url).content.decode()
    assert f'src="{product.image.url}"' in page


@pytest.mark.parametrize(
    "fmt, name", [("JPEG", "photo.jpg"), ("JPEG", "PHOTO.JPEG"), ("WEBP", "photo.webp")]
)
def test_jpeg_and_webp_are_accepted(staff_client, image_upload, fmt, name):
    response = create(staff_client, image=image_upload(fmt, name=name))

    assert response.status_code == 302
    assert Product.objects.get().image.name.startswith("products/")


def test_gif_is_accepted(staff_client, image_upload):
    response = create(staff_client, image=image_upload("GIF"))

    assert response.status_code == 302
    assert Product.objects.get().image.name.endswith(".gif")


def test_image_is_optional(staff_client):
    response = create(staff_client)

    assert response.status_code == 302
    assert not Product.objects.get().image


def test_jpeg_named_png_is_stored_as_jpg(staff_client, image_upload):
    response = create(staff_client, image=image_upload("JPEG", name="photo.png"))

    assert response.status_code == 302
    assert Product.objects.get().image.name == "products/photo.jpg"


def test_file_named_only_by_its_extension_gets_a_generated_name(
    staff_client, image_upload
):
    response = create(staff_client, image=image_upload("PNG", name=" .png"))

    assert response.status_code == 302
    name = Path(Product.objects.get().image.name).name
    assert name.endswith(".png") and not name.startswith(".")


def cut_short(content, keep=0.5):
    return content[: int(len(content) * keep)]


@pytest.mark.parametrize(
    "fmt, name, keep",
    [("JPEG", "photo.jpg", 0.5), ("JPEG", "photo.jpg", 0.97), ("PNG", "mug.png", 0.5)],
)
def test_truncated_image_is_refused(
    staff_client, unchanged, image_bytes, fmt, name, keep
):
    content = cut_short(image_bytes(fmt, size=(64, 48), noise=True), keep)
    upload = SimpleUploadedFile(name, content, f"image/{fmt.lower()}")

    response = create(staff_client, sku="NEW-1", image=upload)

    assert_refused(response, "image", "The image file is incomplete")


@pytest.mark.parametrize("field", NUL_FIELDS)
def test_nul_character_is_explained_beside_its_field(staff_client, unchanged, field):
    response = create(staff_client, **{"sku": "NEW-1", field: "Blue\x00Mug"})

    assert_refused(response, field, NUL_MESSAGE)


def test_description_over_5000_characters_is_refused(staff_client, unchanged):
    response = create(staff_client, sku="NEW-1", description="x" * 5001)

    assert_refused(
        response,
        "description",
        "Ensure this value has at most 5000 characters (it has 5001).",
    )
