"""The write path under concurrency: lost races end as form errors, never a 500,
and leave no uploaded file behind."""

import copy
import threading
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from conftest import make_image_bytes
from products import writes
from products.admin import ProductAdmin
from products.forms import ProductForm, ProductUpdateForm
from products.models import Product, ProductChange
from products.uploads import write_transaction

from .factories import ProductFactory, product_form_data
from .helpers import field_errors, media_files

pytestmark = pytest.mark.django_db(transaction=True)


def post_together(user, requests):
    """Posts each ``(url, data)`` from its own thread and test Client, all released
    at once; returns the responses in order. Exceptions become 500s, as a server
    would answer them."""
    start = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def submit(index, url, data):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        try:
            start.wait()
            responses[index] = client.post(url, data)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit, args=(index, url, data))
        for index, (url, data) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def checks_pass_before_saves(monkeypatch):
    """``checks_pass_before_saves(count)``: each write waits, between its form
    check and its save, until ``count`` writes got there. Every one of them has
    then passed the uniqueness check, so the race is certain, not up to timing."""

    def arrange(count):
        everyone_checked = threading.Barrier(count, timeout=30)
        original = writes.write_transaction

        @contextmanager
        def after_everyone_checked():
            everyone_checked.wait()
            with original():
                yield

        monkeypatch.setattr(writes, "write_transaction", after_everyone_checked)

    return arrange


def picture(index):
    content = make_image_bytes("PNG", size=(10 + index, 10))
    return SimpleUploadedFile(f"mug-{index}.png", content, "image/png")


def test_concurrent_creates_with_one_sku_save_one_and_explain_the_rest(
    staff_user, media_root, checks_pass_before_saves
):
    checks_pass_before_saves(10)
    requests = [
        (
            reverse("product-create"),
            product_form_data(name=f"Mug {index}", sku="MUG-1", image=picture(index)),
        )
        for index in range(10)
    ]

    responses = post_together(staff_user, requests)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 9 + [302]
    refused = [response for response in responses if response.status_code == 200]
    for response in refused:
        assert field_errors(response, "sku") == [
            "Another product already uses this SKU."
        ]
        assert "nothing was saved" in response.content.decode()
    product = Product.objects.get()
    assert {name for name, _ in media_files(media_root)} == {product.image.name}


def test_concurrent_admin_creates_with_one_sku_save_one_and_explain_the_rest(
    superuser, media_root, checks_pass_before_saves
):
    # On SQLite the admin's transaction takes the write lock before the form is
    # checked, so its requests run one after another and cannot race there.
    if connection.vendor != "sqlite":
        checks_pass_before_saves(6)
    requests = [
        (
            reverse("admin:products_product_add"),
            {
                **product_form_data(name=f"Mug {index}", sku="MUG-1"),
                "slug": "",
                "image": picture(index),
            },
        )
        for index in range(6)
    ]

    responses = post_together(superuser, requests)

    assert sorted(response.status_code for response in responses) == [200] * 5 + [302]
    for response in responses:
        if response.status_code == 200:
            assert "Another product already uses this SKU." in response.content.decode()
    product = Product.objects.get()
    assert {name for name, _ in media_files(media_root)} == {product.image.name}


def test_concurrent_creates_with_one_name_and_sku_save_one(
    staff_user, media_root, checks_pass_before_saves
):
    checks_pass_before_saves(4)
    requests = [(reverse("product-create"), product_form_data())] * 4

    responses = post_together(staff_user, requests)

    assert sorted(response.status_code for response in responses) == [200] * 3 + [302]
    assert Product.objects.values_list("slug", "sku").get() == ("blue-mug", "MUG-1")


def test_concurrent_edits_to_one_new_slug_explain_it_to_the_loser(
    staff_user, checks_pass_before_saves
):
    checks_pass_before_saves(2)
    mugs = [ProductFactory(name=f"Mug {index}") for index in range(2)]
    requests = [
        (
            reverse("product-update", args=[mug.slug]),
            product_form_data(mug, slug="the-mug"),
        )
        for mug in mugs
    ]

    responses = post_together(staff_user, requests)

    assert sorted(response.status_code for response in responses) == [200, 302]
    (loser,) = [response for response in responses if response.status_code == 200]
    assert field_errors(loser, "slug") == [
        "Another product already uses this web address."
    ]
    slugs = set(Product.objects.values_list("slug", flat=True))
    assert "the-mug" in slugs and len(slugs) == 2


# Lost races, one step at a time -------------------------------------------------


def test_sku_taken_after_the_form_checked_it_is_explained_and_the_upload_removed(
    media_root,
):
    form = ProductForm(product_form_data(sku="mug-1"), {"image": picture(1)})
    assert form.is_valid()
    ProductFactory(sku="MUG-1")  # another request, committed meanwhile

    assert writes.product_create(form=form) is None

    assert form.errors["sku"] == ["Another product already uses this SKU."]
    assert Product.objects.count() == 1
    assert media_files(media_root) == set()


def test_address_taken_after_the_form_checked_it_is_explained():
    mug = ProductFactory(name="Blue Mug")
    form = ProductUpdateForm(
        product_form_data(mug, slug="the-mug"), instance=copy.copy(mug)
    )
    assert form.is_valid()
    ProductFactory(name="The Mug")  # takes "the-mug" meanwhile

    assert writes.product_update(product=mug, form=form, version=1) is None

    assert form.errors["slug"] == ["Another product already uses this web address."]
    assert Product.objects.get(pk=mug.pk).slug == "blue-mug"


# Writes that fail after the upload was stored -------------------------------


@pytest.fixture
def failing_change_log():
    """Makes recording the change fail, after the product row was written."""

    def fail(sender, **kwargs):
        raise RuntimeError("change log unavailable")

    post_save.connect(fail, sender=ProductChange)
    yield
    post_save.disconnect(fail, sender=ProductChange)


def test_upload_of_a_write_that_fails_later_is_removed(media_root, failing_change_log):
    form = ProductForm(product_form_data(), {"image": picture(1)})
    assert form.is_valid()

    with pytest.raises(RuntimeError):
        writes.product_create(form=form)

    assert not Product.objects.exists()
    assert media_files(media_root) == set()


def test_upload_of_an_admin_save_that_rolls_back_is_removed(
    superuser, media_root, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("admin log unavailable")

    # The admin writes its log entry after saving, in the same transaction.
    monkeypatch.setattr(ProductAdmin, "log_addition", fail)
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    data = {**product_form_data(), "slug": "", "image": picture(1)}

    response = client.post(reverse("admin:products_product_add"), data)

    assert response.status_code == 500
    assert not Product.objects.exists()
    assert media_files(media_root) == set()


def test_replacement_that_rolls_back_keeps_the_old_image(media_root):
    mug = ProductFactory(image=picture(1))
    old_name = mug.image.name

    with pytest.raises(RuntimeError):
        with write_transaction():
            mug.image = picture(2)
            mug.save()
            raise RuntimeError("something after the save failed")

    assert Product.objects.get(pk=mug.pk).image.name == old_name
    assert {name for name, _ in media_files(media_root)} == {old_name}
