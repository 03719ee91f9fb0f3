"""Undoing a whole import or bulk action: /products/batches/<id>/revert/."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import WatcherFactory
from products.models import ChangeBatch, Product
from products.tests.factories import ProductFactory
from products.tests.helpers import edit, imported

pytestmark = pytest.mark.django_db


def url(batch):
    return reverse("batch-revert", args=[batch.pk])


def text(response):
    return html.unescape(response.content.decode())


def plain(response):
    """The page's text without tags, its spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


@pytest.fixture
def batch():
    products = [
        ProductFactory(name=name, price=Decimal("9.99")) for name in ("Mug", "Cup")
    ]
    return imported(products, new_skus=["NEW-1"])


def test_anonymous_visitors_are_sent_to_log_in(client, batch):
    response = client.get(url(batch))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_watchers_get_403_and_nothing_is_undone(client, batch):
    client.force_login(WatcherFactory())

    assert client.get(url(batch)).status_code == 403
    assert client.post(url(batch)).status_code == 403
    assert not ChangeBatch.objects.filter(kind="undo").exists()


def test_the_preview_shows_every_product_now_and_after(staff_client, batch):
    response = staff_client.get(url(batch))

    page = plain(response)
    assert response.status_code == 200
    assert "Undo import items.csv" in page
    assert "3 products; 3 can be set back" in page
    assert "Mug: reverted" in page and "Cup: reverted" in page
    assert "New NEW-1: deleted (the batch created it)" in page
    assert "Price $2.00 $9.99" in page
    assert "Undo all 3 products" in page
    assert not ChangeBatch.objects.filter(kind="undo").exists()  # GET writes nothing


def test_undoing_writes_one_batch_and_one_feed_entry(staff_client, batch):
    response = staff_client.post(url(batch), follow=True)

    undo = ChangeBatch.objects.get(kind="undo")
    assert response.redirect_chain[-1][0] == reverse("change-batch", args=[undo.pk])
    assert "Undid import items.csv: 3 products." in text(response)
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("9.99")}
    assert undo.reverts == batch
    feed = staff_client.get(reverse("dashboard-products"))
    assert text(feed).count('data-action="batch"') == 2  # the import and its undo
    assert "staff undoes import items.csv: 3 products" in plain(feed)
    assert f"Undoes batch #{batch.pk}." in plain(feed)
    batch_page = staff_client.get(reverse("change-batch", args=[batch.pk]))
    assert f"Undone by batch #{undo.pk}." in plain(batch_page)


def test_products_changed_since_refuse_the_undo_and_say_why(staff_client, batch):
    mug = Product.objects.get(name="Mug")
    edit(mug, price=Decimal("4.00"))

    response = staff_client.post(url(batch))

    page = plain(response)
    assert response.status_code == 409
    assert "Nothing was undone" in page
    assert "Changed since: this change set it to $2.00." in page
    assert "Mug: left as it is, not reverted" in page
    assert "Cup: reverted" in page
    assert "Undo the other 2 products" in page
    assert 'name="skip_blocked" value="1"' in text(response)
    assert not ChangeBatch.objects.filter(kind="undo").exists()
    assert Product.objects.get(name="Cup").price == Decimal("2.00")


def test_skip_blocked_undoes_the_rest_and_lists_what_it_left(staff_client, batch):
    edit(Product.objects.get(name="Mug"), price=Decimal("4.00"))

    response = staff_client.post(url(batch), {"skip_blocked": "1"}, follow=True)

    page = text(response)
    assert "Undid import items.csv: 2 products." in page
    assert "Left 1 product that changed since: “Mug”." in page
    assert Product.objects.get(name="Mug").price == Decimal("4.00")
    assert Product.objects.get(name="Cup").price == Decimal("9.99")
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_an_undone_batch_says_so(staff_client, batch):
    staff_client.post(url(batch))

    response = staff_client.get(url(batch))

    assert response.status_code == 400
    assert "This batch was undone already" in text(response)


def test_a_large_batch_is_previewed_a_page_at_a_time_changed_ones_first(
    staff_client,
):
    products = [ProductFactory(name=f"Mug {n:03}") for n in range(105)]
    batch = imported(products)
    edit(Product.objects.get(name="Mug 104"), price=Decimal("4.00"))

    first = plain(staff_client.get(url(batch)))
    second = plain(staff_client.get(url(batch), {"page": 2}))

    assert "105 products; 104 can be set back, 1 changed since" in first
    assert first.index("Mug 104") < first.index("Mug 000")  # changed first
    assert "Page 1 of 2" in first and "Mug 099" not in first
    assert "Mug 099" in second
    assert "Undo the other 104 products" in second
