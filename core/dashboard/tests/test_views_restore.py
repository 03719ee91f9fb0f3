"""Bringing a deleted product back from the feed:
POST /dashboard/products/changes/<id>/restore/."""

import re

import pytest
from django.test import Client

from accounts.tests.factories import StaffFactory, WatcherFactory
from products.editing import writes
from products.images.kept_files import kept_names, kept_storage
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def deleted(**values):
    """A product made with ``values`` and deleted: its deletion."""
    product = ProductFactory(**values)
    writes.product_delete(product=product, version=product.version)
    return ProductChange.objects.latest("pk")


def restore_url(change):
    return f"/dashboard/products/changes/{change.pk}/restore/"


def row_of(html, change):
    return html.split(f'id="change-{change.pk}"')[1].split("</article>")[0]


def messages_shown(html):
    return re.findall(r'<li class="message message-\w+">(.*?)</li>', html)


def test_anonymous_visitors_are_sent_to_log_in(client):
    url = restore_url(deleted())

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_staff_without_add_product_get_403(client):
    client.force_login(WatcherFactory())

    assert client.post(restore_url(deleted())).status_code == 403
    assert not Product.objects.exists()


def test_only_post_restores(staff_client):
    assert staff_client.get(restore_url(deleted())).status_code == 405
    assert not Product.objects.exists()


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())

    assert client.post(restore_url(deleted())).status_code == 403
    assert not Product.objects.exists()


def test_restoring_goes_to_the_product_back_at_its_address(staff_client):
    deletion = deleted(name="Blue Mug", sku="MUG-1")

    response = staff_client.post(restore_url(deletion), follow=True)

    assert response.redirect_chain == [("/products/blue-mug/", 302)]
    assert messages_shown(response.content.decode()) == ["Restored “Blue Mug”."]
    assert Product.objects.get().changes.get().reverts == deletion


def test_a_taken_address_is_numbered_and_the_page_says_so(staff_client):
    deletion = deleted(name="Blue Mug", sku="MUG-1")
    ProductFactory(name="Blue Mug", sku="MUG-2")

    response = staff_client.post(restore_url(deletion), follow=True)

    assert response.redirect_chain == [("/products/blue-mug-2/", 302)]
    assert messages_shown(response.content.decode()) == [
        "Restored “Blue Mug”.",
        "Its address “blue-mug” belongs to another product now; it is at "
        "“blue-mug-2”.",
    ]


def test_a_taken_sku_is_a_409_that_says_which_product_has_it(staff_client):
    deletion = deleted(name="Blue Mug", sku="MUG-1")
    ProductFactory(name="Azure Mug", sku="MUG-1")

    response = staff_client.post(restore_url(deletion))

    assert response.status_code == 409
    html = response.content.decode()
    assert "<h1>“Blue Mug” was not restored</h1>" in html
    assert "Another product, “Azure Mug”, uses the SKU MUG-1 now" in html
    assert f'id="change-{deletion.pk}"' in html
    assert Product.objects.count() == 1


def test_restoring_twice_is_a_409_linking_the_restored_product(staff_client):
    deletion = deleted(name="Blue Mug")
    staff_client.post(restore_url(deletion))

    response = staff_client.post(restore_url(deletion))

    assert response.status_code == 409
    html = response.content.decode()
    assert "was restored already, by change #" in html
    assert '<a href="/products/blue-mug/">See the restored product</a>' in html
    assert Product.objects.count() == 1


def test_an_image_still_stored_comes_back(staff_client, image_upload):
    deletion = deleted(name="Blue Mug", image=image_upload(name="mug.png"))

    response = staff_client.post(restore_url(deletion), follow=True)

    assert Product.objects.get().image.name.startswith("products/mug")
    assert messages_shown(response.content.decode()) == ["Restored “Blue Mug”."]


def test_a_removed_image_is_left_out_and_the_page_says_so(
    staff_client, image_upload, django_capture_on_commit_callbacks, media_root
):
    with django_capture_on_commit_callbacks(execute=True):  # the file is kept
        deletion = deleted(name="Blue Mug", image=image_upload(name="mug.png"))
    [kept] = kept_names()
    kept_storage().delete(kept)  # and then lost

    response = staff_client.post(restore_url(deletion), follow=True)

    assert Product.objects.get().image.name == ""
    assert messages_shown(response.content.decode()) == [
        "Restored “Blue Mug”.",
        "The file mug.png is no longer stored. It was restored without it.",
    ]


def test_a_change_that_is_no_deletion_is_refused(staff_client):
    product = ProductFactory()

    response = staff_client.post(restore_url(product.changes.get()))

    assert response.status_code == 409
    assert "Only a deletion can be restored" in response.content.decode()


def test_an_unknown_change_is_404(staff_client):
    assert staff_client.post(restore_url(ProductChange(pk=999))).status_code == 404


# The feed's rows ------------------------------------------------------------


def test_a_deletion_row_offers_restore_to_those_who_may_use_it(staff_client, client):
    deletion = deleted(name="Blue Mug")
    client.force_login(WatcherFactory())

    staff_html = staff_client.get("/dashboard/products/").content.decode()
    watcher_html = client.get("/dashboard/products/").content.decode()

    form = (
        f'<form class="change-control change-restore inline-form" method="post" '
        f'action="{restore_url(deletion)}">'
    )
    assert form in row_of(staff_html, deletion)
    assert 'name="csrfmiddlewaretoken"' in row_of(staff_html, deletion)
    assert form in row_of(watcher_html, deletion)  # one row for everyone ...
    assert re.search(r'id="live-feed" class="may-revert may-restore"', staff_html)
    assert re.search(r'id="live-feed" class=""', watcher_html)  # ... hidden here


def test_the_restore_and_the_deletion_link_each_other(staff_client):
    deletion = deleted(name="Blue Mug")
    staff_client.post(restore_url(deletion))
    creation = ProductChange.objects.latest("pk")

    html = staff_client.get("/dashboard/products/").content.decode()

    assert (
        f'Restores the deleted product of <a href="/dashboard/products/changes/'
        f'{deletion.pk}/">change #{deletion.pk}</a>.'
    ) in row_of(html, creation)
    deletion_row = row_of(html, deletion)
    assert (
        f'Restored by <a href="/dashboard/products/changes/{creation.pk}/">'
        f"change #{creation.pk}</a>."
    ) in deletion_row
    assert "change-restore" not in deletion_row  # restored once is enough
