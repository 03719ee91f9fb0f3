"""The image field as staff see it on the product forms."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def image_field(content):
    """The markup of the image widget on a form page."""
    found = re.search(r'<div class="image-input".*?</figure>\s*</div>', content, re.S)
    assert found, "no image widget"
    return found[0]


def test_the_current_image_shows_as_a_thumbnail_with_a_labelled_remove_box(
    staff_client, image_bytes
):
    product = ProductFactory(
        price=Decimal("1.00"),
        image=SimpleUploadedFile("old.png", image_bytes("PNG"), "image/png"),
    )

    content = staff_client.get(reverse("product-update", args=[product.slug]))
    widget = image_field(content.content.decode())

    assert f'<img class="image-thumb" src="{product.image.url}"' in widget
    assert '<input type="checkbox" name="image-clear" id="image-clear_id">' in widget
    assert '<label for="image-clear_id">Remove image</label>' in widget
    assert 'type="file" name="image"' in widget
    assert "Currently" not in widget and "Change:" not in widget


def test_a_product_without_image_offers_only_the_file_input(staff_client):
    product = ProductFactory()

    content = staff_client.get(reverse("product-update", args=[product.slug]))
    widget = image_field(content.content.decode())

    assert "Remove image" not in widget
    assert 'type="file" name="image"' in widget
    assert 'class="image-preview" hidden' in widget


def test_the_form_loads_the_preview_script(staff_client):
    content = staff_client.get(reverse("product-create")).content.decode()

    assert re.search(r'<script src="/static/js/image-input.js" defer>', content)


def test_the_category_placeholder_reads_no_category(staff_client):
    CategoryFactory(name="Kitchen")

    content = staff_client.get(reverse("product-create")).content.decode()

    assert '<option value="" selected>No category</option>' in content
    assert "---------" not in content
