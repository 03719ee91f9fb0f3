"""Image files kept for undo: a deleted product's photo and a replaced image are
moved aside (not served) while their change rows exist, come back with a restore
or a revert, and go with the rows when they are pruned."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from products.editing import writes
from products.images.kept_files import kept_names
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory
from products.tests.helpers import edit, media_files, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing():`` runs what waits for the commit (files set aside)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def photographed(media_root, image_upload):
    return ProductFactory(name="Blue Mug", image=image_upload(name="mug.png"))


def test_a_deleted_products_photo_is_kept_aside_and_not_served(
    staff_client, photographed, committing
):
    name = photographed.image.name
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)

    assert served(name) == 404
    assert kept_names() == {name}


def test_a_restored_product_serves_its_photo_again(
    staff_client, photographed, media_root, committing
):
    name, content = photographed.image.name, photographed.image.read()
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)
    deletion = ProductChange.objects.latest("pk")

    with committing():
        response = staff_client.post(reverse("dashboard-restore", args=[deletion.pk]))

    assert response.status_code == 302
    product = Product.objects.get(sku=photographed.sku)
    assert product.image.name == name
    assert served(name) == 200
    assert product.image.read() == content
    page = staff_client.get(product.get_absolute_url()).content.decode()
    assert product.image.url in page
    assert kept_names() == set()


def test_reverting_an_image_change_restores_the_old_file(
    photographed, image_upload, committing
):
    first, content = photographed.image.name, photographed.image.read()
    with committing():
        change = edit(photographed, image=image_upload("GIF", name="other.gif"))
    second = photographed.image.name
    assert served(first) == 404

    with committing():
        writes.product_revert(
            product=photographed, change=change, version=photographed.version
        )

    photographed.refresh_from_db()
    assert photographed.image.name == first
    assert photographed.image.read() == content
    assert (served(first), served(second)) == (200, 404)
    assert kept_names() == {second}  # the revert can be reverted in turn


def test_a_new_upload_never_takes_a_kept_files_name(
    photographed, image_upload, committing
):
    name = photographed.image.name
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)

    again = ProductFactory(image=image_upload(name="mug.png"))

    assert again.image.name != name
    assert kept_names() == {name}


def test_pruning_the_rows_deletes_their_kept_files(photographed, committing):
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)
    kept_by_other = ProductFactory()  # a row that names no file
    ProductChange.objects.exclude(product=kept_by_other).update(
        created_at=timezone.now() - timedelta(days=40)
    )

    output = StringIO()
    call_command("prune_changes", "--older-than", "30", stdout=output)

    assert kept_names() == set()
    assert "and 1 kept image files" in output.getvalue()


def test_pruning_keeps_files_that_remaining_rows_name(photographed, committing):
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)

    call_command("prune_changes", "--older-than", "30", stdout=StringIO())

    assert kept_names() == {photographed.image.name}


def test_a_kept_file_is_outside_the_media_folder(photographed, media_root, committing):
    with committing():
        writes.product_delete(product=photographed, version=photographed.version)

    assert media_files(media_root) == set()


def test_a_delete_outside_the_write_path_keeps_the_photo_too(photographed, committing):
    name = photographed.image.name
    with committing():
        photographed.delete()  # the shell, a command: the signals record it
    deletion = ProductChange.objects.latest("pk")

    with committing():
        restored = writes.product_restore(deletion=deletion)

    assert restored.product.image.name == name
    assert served(name) == 200
