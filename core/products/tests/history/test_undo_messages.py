"""The Undo button in the message after a save, a create, a delete, an import
and a bulk action: a POST form with the CSRF token to the matching revert,
delete, restore or batch revert page, which then undoes the write."""

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import StaffFactory
from products.models import ChangeBatch, Product
from products.tests.factories import ProductFactory, product_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A logged-in client that, as a browser, must send the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())
    return client


def token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def undo_form(response):
    """(action, fields) of the Undo form in the page's messages."""
    page = response.content.decode()
    messages = re.search(r'<ul class="messages".*?</ul>', page, re.S)[0]
    form = re.search(r'<form class="inline-form undo-form".*?</form>', messages)[0]
    assert ">Undo</button>" in form
    action = html.unescape(re.search(r'action="([^"]+)"', form)[1])
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    return action, fields


def test_undo_after_a_save_reverts_it(browser):
    product = ProductFactory(name="Blue Mug", price=Decimal("9.99"))
    url = reverse("product-update", args=[product.slug])
    data = product_form_data(product, price="12.50")

    response = browser.post(
        url, {**data, "csrfmiddlewaretoken": token(browser, url)}, follow=True
    )

    assert "Saved “Blue Mug”." in response.content.decode()
    # Styled as a success, like any other (its level, then its extra tag).
    assert '<li class="message message-success undoable">' in response.content.decode()
    action, fields = undo_form(response)
    assert action.startswith(f"/products/{product.slug}/history/")
    assert fields["version"] == "2" and "csrfmiddlewaretoken" in fields
    assert browser.post(action, fields).status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("9.99")


def test_undo_after_a_create_deletes_the_product(browser):
    url = reverse("product-create")
    data = {**product_form_data(), "csrfmiddlewaretoken": token(browser, url)}

    response = browser.post(url, data, follow=True)

    action, fields = undo_form(response)
    assert action == f"/products/{Product.objects.get().slug}/delete/"
    assert browser.post(action, fields).status_code == 302
    assert not Product.objects.exists()


def test_undo_after_a_delete_restores_the_product(browser):
    product = ProductFactory(name="Blue Mug")
    url = reverse("product-delete", args=[product.slug])
    data = {"version": product.version, "csrfmiddlewaretoken": token(browser, url)}

    response = browser.post(url, data, follow=True)

    assert "Deleted “Blue Mug”." in response.content.decode()
    action, fields = undo_form(response)
    assert action.startswith("/dashboard/products/changes/")
    assert browser.post(action, fields).status_code == 302
    assert Product.objects.get().name == "Blue Mug"


def test_undo_after_an_import_undoes_the_batch(browser, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    mug = ProductFactory(sku="MUG-1", name="Mug", price=Decimal("9.99"))
    url = reverse("product-import")
    csv = SimpleUploadedFile("items.csv", b"sku,name,price\nMUG-1,Mug,12.50\n")
    csrf = token(browser, url)
    preview = browser.post(url, {"file": csv, "csrfmiddlewaretoken": csrf})
    digest = re.search(r'name="digest" value="(\w+)"', preview.content.decode())[1]

    response = browser.post(
        url, {"digest": digest, "csrfmiddlewaretoken": csrf}, follow=True
    )

    action, fields = undo_form(response)
    batch = ChangeBatch.objects.get()
    assert action == reverse("batch-revert", args=[batch.pk])
    assert browser.post(action, fields).status_code == 302
    mug.refresh_from_db()
    assert mug.price == Decimal("9.99")
    assert ChangeBatch.objects.get(kind="undo").reverts == batch


def test_undo_after_a_bulk_action_undoes_the_batch(browser):
    mugs = [ProductFactory(price=Decimal("10.00")) for _ in range(2)]
    url = reverse("product-bulk")
    csrf = token(browser, reverse("product-list"))
    preview = browser.post(
        url,
        {
            "bulk-action": "price_percent",
            "bulk-percent": "-10",
            "scope": "selected",
            "product": [p.pk for p in mugs],
            "csrfmiddlewaretoken": csrf,
        },
    )
    form = re.search(
        r'<form method="post" class="form" action="/products/bulk/".*?</form>',
        preview.content.decode(),
        re.S,
    )[0]
    data = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    )

    response = browser.post(url, data, follow=True)

    action, fields = undo_form(response)
    assert browser.post(action, fields).status_code == 302
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("10.00")}


def test_the_message_with_its_button_is_escaped(browser):
    product = ProductFactory(name="Mug")
    url = reverse("product-update", args=[product.slug])
    data = product_form_data(product, name="<b>Mug</b>")

    response = browser.post(
        url, {**data, "csrfmiddlewaretoken": token(browser, url)}, follow=True
    )

    page = response.content.decode()
    assert "Saved “&lt;b&gt;Mug&lt;/b&gt;”." in page
    assert "<b>Mug</b>" not in page
    undo_form(response)
