"""Image rules live on the model: ``full_clean()`` gives the answers the forms and
the admin give, and every save stores files under the name of what they are."""

from pathlib import Path

import pytest
from conftest import make_image_bytes
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from products.images.rules import stored_name
from products.models import Product
from products.tests.factories import ProductFactory
from products.tests.helpers import media_files

pytestmark = pytest.mark.django_db

FORMAT_MESSAGE = "Upload a JPEG, PNG, WebP or GIF image."
INCOMPLETE = (
    "The image file is incomplete (cut short during upload or saving); "
    "upload the whole file."
)


def upload(name, content):
    return SimpleUploadedFile(name, content, "application/octet-stream")


def cut(content, keep):
    return content[: int(len(content) * keep)]


def image_errors(image):
    product = ProductFactory.build(category=None, image=image)
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    return refused.value.message_dict.get("image")


# What is accepted ---------------------------------------------------------------


@pytest.mark.parametrize(
    "image, message",
    [
        pytest.param(
            upload("picture.bmp", make_image_bytes("BMP")), FORMAT_MESSAGE, id="bmp"
        ),
        pytest.param(
            upload("picture.png", make_image_bytes("BMP")),
            FORMAT_MESSAGE,
            id="bmp-named-png",
        ),
        pytest.param(
            upload("photo.jpg", cut(make_image_bytes("JPEG", size=(40, 30)), 0.98)),
            INCOMPLETE,
            id="jpeg-cut-short",
        ),
        pytest.param(
            upload("photo.jpg", cut(make_image_bytes("JPEG", size=(40, 30)), 0.5)),
            INCOMPLETE,
            id="jpeg-cut-in-half",
        ),
        pytest.param(
            upload(
                "mug.png", cut(make_image_bytes("PNG", size=(64, 48), noise=True), 0.5)
            ),
            INCOMPLETE,
            id="png-cut-in-half",
        ),
        pytest.param(
            # Cut inside the closing chunk: Pillow decodes every pixel of it.
            upload("mug.png", make_image_bytes("PNG", size=(64, 48))[:-2]),
            INCOMPLETE,
            id="png-cut-in-its-last-chunk",
        ),
        pytest.param(
            upload(
                "anim.gif", cut(make_image_bytes("GIF", size=(64, 48), noise=True), 0.6)
            ),
            INCOMPLETE,
            id="gif-cut-short",
        ),
        pytest.param(
            upload("notes.png", b"just some text\n" * 20),
            "Upload a valid image. The file you uploaded was either not an image or "
            "a corrupted image.",
            id="text",
        ),
    ],
)
def test_full_clean_refuses_unacceptable_images_on_the_image_field(image, message):
    assert image_errors(image) == [message]


def test_full_clean_refuses_an_image_over_the_pixel_limit(settings):
    settings.PRODUCT_IMAGE_MAX_PIXELS = 100

    errors = image_errors(upload("big.png", make_image_bytes("PNG", size=(20, 10))))

    assert errors == ["The image is 20×10 pixels; at most 100 pixels are allowed."]


def test_full_clean_refuses_a_file_over_the_size_limit(settings):
    settings.PRODUCT_IMAGE_MAX_BYTES = 1000
    content = make_image_bytes("PNG", size=(40, 40), noise=True)

    errors = image_errors(upload("big.png", content))

    limit = "1000\xa0bytes (1,000 bytes)"
    assert errors == [f"The image is {len(content):,} bytes; the limit is {limit}."]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_full_clean_accepts_the_four_formats(fmt):
    product = ProductFactory.build(
        category=None, image=upload(f"x.{fmt.lower()}", make_image_bytes(fmt))
    )

    product.full_clean()


def test_a_stored_image_is_not_read_again_on_every_check(media_root):
    product = ProductFactory(image=upload("mug.png", make_image_bytes("PNG")))
    Path(product.image.path).unlink()  # whatever happened to the file since

    Product.objects.get(pk=product.pk).full_clean()


# Under which name it is stored -------------------------------------------------


@pytest.mark.parametrize(
    "uploaded, fmt, stored",
    [
        ("photo.png", "JPEG", "products/photo.jpg"),
        ("PHOTO.JPEG", "JPEG", "products/PHOTO.jpg"),
        ("mug.gif", "PNG", "products/mug.png"),
        ("mug.webp", "WEBP", "products/mug.webp"),
    ],
)
def test_stored_extension_is_the_detected_format(media_root, uploaded, fmt, stored):
    product = ProductFactory(image=upload(uploaded, make_image_bytes(fmt)))

    assert product.image.name == stored
    assert Path(product.image.path).is_file()


@pytest.mark.parametrize("uploaded", [" .png", ".png", "..png", " . .jpg"])
def test_name_without_a_stem_gets_a_generated_one(media_root, uploaded):
    product = ProductFactory(image=upload(uploaded, make_image_bytes("PNG")))

    name = Path(product.image.name).name
    assert name.endswith(".png") and len(name) > len(".png")
    assert not name.startswith(".")


def test_generated_stems_differ():
    assert stored_name(" .png", "PNG") != stored_name(" .png", "PNG")


# When files are removed ----------------------------------------------------------


@pytest.fixture
def product_with_image(media_root):
    return ProductFactory(image=upload("old.png", make_image_bytes("PNG")))


def stored_names(media_root):
    return {name for name, _ in media_files(media_root)}


def test_replaced_image_is_removed_after_commit(
    product_with_image, media_root, django_capture_on_commit_callbacks
):
    old_name = product_with_image.image.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product_with_image.image = upload("new.png", make_image_bytes("PNG"))
        product_with_image.save()
        # Not before the commit: the change could still roll back.
        assert old_name in stored_names(media_root)

    for callback in callbacks:
        callback()
    assert stored_names(media_root) == {product_with_image.image.name}


def test_cleared_image_is_removed_after_commit(
    product_with_image, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        product_with_image.image = None
        product_with_image.save()

    assert stored_names(media_root) == set()


def test_image_of_a_deleted_product_is_removed_after_commit(
    product_with_image, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        product_with_image.delete()

    assert stored_names(media_root) == set()


def test_rolled_back_replacement_keeps_the_old_image(
    product_with_image, media_root, django_capture_on_commit_callbacks
):
    old_name = product_with_image.image.name

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            product_with_image.image = upload("new.png", make_image_bytes("PNG"))
            product_with_image.save()
            raise RuntimeError("rolled back")

    assert Product.objects.get(pk=product_with_image.pk).image.name == old_name
    assert old_name in stored_names(media_root)


def test_a_file_another_product_still_uses_is_kept(
    product_with_image, media_root, django_capture_on_commit_callbacks
):
    shared = product_with_image.image.name
    ProductFactory(image=shared)

    with django_capture_on_commit_callbacks(execute=True):
        product_with_image.delete()

    assert stored_names(media_root) == {shared}
