"""Imports and restores racing other writes on PostgreSQL: a lost race ends as
a numbered address, a 409 or a field error, never a 500.

Each race is arranged, not left to timing: the write waits at the point where
it has picked its address (or read its plan) until the other write is done.
SQLite takes its write lock at BEGIN, so there the writes run one after
another and cannot race: these tests need PostgreSQL.
"""

import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from products.editing import writes
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory, product_form_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite runs writes one at a time"
    ),
]

IMPORT_URL = reverse("product-import")
HEADER = "sku,name,price,quantity\n"


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"


def client_of(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def previewed(user, csv):
    """A client whose import of ``csv`` is previewed, and the digest to confirm."""
    client = client_of(user)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.csv", csv)})
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', response.text)[1]
    return client, digest


def in_threads(*calls):
    """Runs each call in its own thread (its own connection); their results."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def pause_after(monkeypatch, name, then):
    """Makes ``writes.<name>`` run ``then()`` after its first call returns."""
    original, done = getattr(writes, name), threading.Event()

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if not done.is_set():
            done.set()
            then()
        return result

    monkeypatch.setattr(writes, name, paused)


def test_two_imports_of_one_new_name_at_once_both_succeed(staff_user, monkeypatch):
    first = previewed(staff_user, f"{HEADER}MUG-1,Blue Mug,9.50,3\n".encode())
    second = previewed(staff_user, f"{HEADER}MUG-2,Blue Mug,9.50,3\n".encode())
    # Both have picked "blue-mug" before either inserts it.
    both_picked = threading.Barrier(2, timeout=30)
    original = writes.give_free_slugs
    waited = threading.local()

    def picked_together(products):
        original(products)
        if not getattr(waited, "once", False):
            waited.once = True
            both_picked.wait()

    monkeypatch.setattr(writes, "give_free_slugs", picked_together)

    responses = in_threads(
        *[
            lambda client=client, digest=digest: client.post(
                IMPORT_URL, {"digest": digest}
            )
            for client, digest in (first, second)
        ]
    )

    assert [response.status_code for response in responses] == [302, 302]
    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "blue-mug",
        "blue-mug-2",
    ]


def test_an_import_racing_the_create_form_for_one_name_both_succeed(
    staff_user, monkeypatch
):
    client, digest = previewed(staff_user, f"{HEADER}MUG-2,Blue Mug,9.50,3\n".encode())
    form = client_of(staff_user)

    def create_meanwhile():
        (created,) = in_threads(
            lambda: form.post(reverse("product-create"), product_form_data())
        )
        assert created.status_code == 302

    pause_after(monkeypatch, "give_free_slugs", create_meanwhile)

    response = client.post(IMPORT_URL, {"digest": digest})

    assert response.status_code == 302
    assert dict(Product.objects.values_list("sku", "slug")) == {
        "MUG-1": "blue-mug",
        "MUG-2": "blue-mug-2",
    }


def test_a_restore_racing_a_create_of_its_sku_is_a_409_that_says_why(
    staff_user, monkeypatch
):
    product = ProductFactory(name="Blue Mug", sku="MUG-1")
    writes.product_delete(product=product, version=product.version)
    deletion = ProductChange.objects.latest("pk")
    form = client_of(staff_user)

    def create_meanwhile():
        data = product_form_data(name="Azure Mug", sku="MUG-1")
        (created,) = in_threads(lambda: form.post(reverse("product-create"), data))
        assert created.status_code == 302

    pause_after(monkeypatch, "restore_plan", create_meanwhile)

    response = client_of(staff_user).post(
        f"/dashboard/products/changes/{deletion.pk}/restore/"
    )

    assert response.status_code == 409
    assert "Another product already uses this SKU." in response.text
    assert list(Product.objects.values_list("name", flat=True)) == ["Azure Mug"]


def test_a_restore_racing_a_create_of_its_address_takes_the_next_one(
    staff_user, monkeypatch
):
    product = ProductFactory(name="Blue Mug", sku="MUG-1")
    writes.product_delete(product=product, version=product.version)
    deletion = ProductChange.objects.latest("pk")
    form = client_of(staff_user)

    def create_meanwhile():
        data = product_form_data(name="Blue Mug", sku="MUG-2")
        (created,) = in_threads(lambda: form.post(reverse("product-create"), data))
        assert created.status_code == 302

    pause_after(monkeypatch, "restore_plan", create_meanwhile)

    response = client_of(staff_user).post(
        f"/dashboard/products/changes/{deletion.pk}/restore/"
    )

    assert response.status_code == 302
    assert dict(Product.objects.values_list("sku", "slug")) == {
        "MUG-2": "blue-mug",
        "MUG-1": "blue-mug-2",
    }
