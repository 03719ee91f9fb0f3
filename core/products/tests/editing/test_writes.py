"""The write path under concurrency: lost races end as form errors, never a 500,
and leave no uploaded file behind."""

import copy
import threading
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import make_image_bytes
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.db.models import F
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from products.admin import ProductAdmin
from products.editing import writes
from products.editing.forms import ProductForm, ProductUpdateForm
from products.history.recording import changes_committed
from products.images.uploads import write_transaction
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory, product_form_data
from products.tests.helpers import field_errors, media_files

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


# Versions ------------------------------------------------------------------------


def loaded(product):
    """The product as a page loads it to write it (see views/refusals.py)."""
    return Product.objects.select_related("category").get(pk=product.pk)


def written_statements(queries):
    """The statements of ``queries`` that are not transaction bookkeeping."""
    bookkeeping = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
    return [
        query["sql"]
        for query in queries
        if not query["sql"].upper().startswith(bookkeeping)
    ]


def test_an_update_with_its_version_is_one_update_one_change_row_and_counters():
    product = loaded(ProductFactory(quantity=1))

    with CaptureQueriesContext(connection) as queries:
        saved = writes.product_update(
            product=product, version=1, data={"quantity": 2, "price": Decimal("5")}
        )

    statements = written_statements(queries.captured_queries)
    # With the stock counters' rows (``stock_counts``), one INSERT.
    if connection.vendor == "postgresql":  # all in one (``one_round_trip``)
        assert len(statements) == 1, statements
        with_counts, insert = statements[0].split(") INSERT INTO ")
        update, counts = with_counts.split(' RETURNING "id"), "counted" AS (')
        insert = "INSERT INTO " + insert
        assert update.startswith('WITH "updated" AS (UPDATE "products_product"')
    else:
        assert len(statements) == 3, statements
        update, insert, counts = statements
        assert update.startswith('UPDATE "products_product"')
    assert '"version" = ' in update.split("WHERE")[1]  # conditional on it
    assert insert.startswith('INSERT INTO "products_productchange"')
    # What it changed of the stock counters: rows added, never a catalog scan.
    assert counts.startswith('INSERT INTO "products_stockcount"')
    assert not product_rows_locked(queries)
    assert saved.version == 2
    assert Product.objects.values_list("quantity", "version").get() == (2, 2)


def test_a_stale_update_of_other_fields_is_merged_with_the_changes_since():
    product = ProductFactory(quantity=1)
    opened = loaded(product)
    for quantity in (2, 3):
        product.quantity = quantity
        product.save()

    updated = writes.product_update_merging(
        product=opened, version=1, data={"price": Decimal(1), "quantity": 1}
    )

    assert Product.objects.values_list("price", "quantity", "version").get() == (
        Decimal("1.00"),
        3,  # theirs: the form still had the value it was opened with
        4,
    )
    assert [(item.field, item.theirs, item.by) for item in updated.kept] == [
        ("quantity", "3", "system")
    ]
    change = ProductChange.objects.latest("pk")
    assert [item.field for item in change.field_changes] == ["price"]


def test_a_stale_update_of_a_field_changed_since_raises_with_the_conflict():
    product = ProductFactory(quantity=1)
    opened = loaded(product)
    for quantity in (2, 3):
        product.quantity = quantity
        product.save()

    with pytest.raises(writes.MergeConflict) as refused:
        writes.product_update(product=opened, version=1, data={"quantity": 7})

    assert refused.value.product.version == 3
    assert [change.product_version for change in refused.value.changes] == [2, 3]
    assert [(c.field, c.base, c.mine, c.theirs) for c in refused.value.conflicts] == [
        ("quantity", "1", "7", "3")
    ]
    assert Product.objects.values_list("quantity", "version").get() == (3, 3)


@pytest.mark.parametrize("choice, expected", [("mine", 7), ("theirs", 3)])
def test_a_choice_decides_a_conflict(choice, expected):
    product = ProductFactory(quantity=1)
    opened = loaded(product)
    product.quantity = 3
    product.save()

    writes.product_update(
        product=opened, version=1, data={"quantity": 7}, chosen={"quantity": choice}
    )

    assert Product.objects.get().quantity == expected


def test_a_form_sent_again_at_the_current_version_merges_from_where_it_started():
    product = ProductFactory(quantity=1, price=Decimal("2.00"))
    product.quantity = 3
    product.save()  # version 2; the form was opened at 1
    now = loaded(product)

    writes.product_update(
        product=now,
        version=2,
        base=1,
        data={"quantity": 7, "price": Decimal("2.50")},
        chosen={"quantity": "theirs"},
    )

    assert Product.objects.values_list("quantity", "price").get() == (
        3,
        Decimal("2.50"),
    )


def test_an_update_that_finds_its_version_gone_at_the_update_merges_with_it():
    """The race the in-memory check cannot see: another write commits between
    the load and the conditional UPDATE (here one that records nothing)."""
    product = ProductFactory(quantity=1, supplier="Acme")
    opened = loaded(product)
    Product.objects.filter(pk=product.pk).update(
        version=F("version") + 1, supplier="Brill"
    )

    writes.product_update(product=opened, version=1, data={"quantity": 5})

    assert Product.objects.values_list("quantity", "supplier", "version").get() == (
        5,
        "Brill",
        3,
    )
    assert ProductChange.objects.filter(action="updated").count() == 1


def test_an_update_of_a_product_deleted_since_it_was_loaded_is_refused():
    product = ProductFactory(name="Blue Mug")
    opened = loaded(product)
    product.delete()

    with pytest.raises(writes.ProductGone) as refused:
        writes.product_update(product=opened, version=1, data={"quantity": 5})

    assert refused.value.deletion.product_name == "Blue Mug"
    assert not Product.objects.exists()


def test_a_delete_with_a_stale_version_deletes_nothing():
    product = ProductFactory()
    opened = loaded(product)
    product.save()

    with pytest.raises(writes.StaleVersion):
        writes.product_delete(product=opened, version=1)

    assert Product.objects.filter(pk=product.pk).exists()


def test_a_delete_with_its_version_reads_no_row_under_a_lock():
    product = loaded(ProductFactory())

    with CaptureQueriesContext(connection) as queries:
        writes.product_delete(product=product, version=1)

    assert not product_rows_locked(queries)
    assert not Product.objects.exists()
    assert ProductChange.objects.latest("pk").action == "deleted"


def test_a_delete_with_its_version_announces_which_product_went():
    """Live pages key a product's elements by its pk: the announced deletion
    must name it, although the product is gone by the time it is announced."""
    product = loaded(ProductFactory())
    pk, announced = product.pk, []

    def listener(sender, change_set, **kwargs):
        announced.extend((c.action, c.product_id) for c in change_set.changes)

    changes_committed.connect(listener)
    try:
        writes.product_delete(product=product, version=1)
    finally:
        changes_committed.disconnect(listener)

    assert announced == [("deleted", pk)]
    # The change row outlives the product, unlinked, as every deletion's does.
    assert ProductChange.objects.get(action="deleted").product_id is None


def test_a_taken_sku_in_data_is_a_validation_error_on_the_field():
    ProductFactory(sku="MUG-1")
    product = loaded(ProductFactory(sku="MUG-2"))

    with pytest.raises(ValidationError) as refused:
        writes.product_update(product=product, version=1, data={"sku": "MUG-1"})

    assert refused.value.message_dict == {
        "sku": ["Another product already uses this SKU."]
    }


def test_upload_of_a_versioned_update_that_fails_later_is_removed(
    media_root, monkeypatch
):
    product = ProductFactory(image=picture(1))
    old_name = product.image.name

    def fail(*args):
        raise RuntimeError("change log unavailable")

    # After the product row was written, in the same transaction (with its
    # change row on PostgreSQL, before it on SQLite).
    monkeypatch.setattr(writes.recording, "keep", fail)
    monkeypatch.setattr(writes.recording, "inserted", fail)

    with pytest.raises(RuntimeError):
        writes.product_update(
            product=loaded(product), version=1, data={"image": picture(2)}
        )

    assert Product.objects.get(pk=product.pk).image.name == old_name
    assert {name for name, _ in media_files(media_root)} == {old_name}


def test_image_replaced_by_a_versioned_update_is_deleted_on_commit(media_root):
    product = ProductFactory(image=picture(1))

    saved = writes.product_update(
        product=loaded(product), version=1, data={"image": picture(2)}
    )

    # transaction=True: the write committed, and its on-commit work ran.
    assert {name for name, _ in media_files(media_root)} == {saved.image.name}


def test_two_submits_with_one_version_save_one_and_refuse_the_other(
    staff_user, checks_pass_before_saves
):
    # Both requests have loaded the product at version 1 and passed the form
    # before either writes: only the conditional UPDATE can tell them apart.
    checks_pass_before_saves(2)
    mug = ProductFactory(name="Blue Mug", quantity=1)
    url = reverse("product-update", args=[mug.slug])
    requests = [(url, product_form_data(mug, quantity=str(q))) for q in (5, 9)]

    responses = post_together(staff_user, requests)

    assert sorted(response.status_code for response in responses) == [302, 409]
    (winner,) = [r for r in responses if r.status_code == 302]
    (loser,) = [r for r in responses if r.status_code == 409]
    quantity = Product.objects.get(pk=mug.pk).quantity
    assert str(quantity) == requests[responses.index(winner)][1]["quantity"]
    assert "was changed since you opened this page" in loser.content.decode()
    updates = ProductChange.objects.filter(action="updated")
    assert [(c.changes[0]["old"], c.product_version) for c in updates] == [("1", 2)]


def test_a_delete_and_an_edit_at_one_version_one_wins_the_other_is_refused(
    staff_user, checks_pass_before_saves
):
    checks_pass_before_saves(2)
    mug = ProductFactory(name="Blue Mug", quantity=1)
    requests = [
        (
            reverse("product-update", args=[mug.slug]),
            product_form_data(mug, quantity="5"),
        ),
        (reverse("product-delete", args=[mug.slug]), {"version": mug.version}),
    ]

    edit, delete = post_together(staff_user, requests)

    if Product.objects.exists():  # the edit won: the delete saw it
        assert (edit.status_code, delete.status_code) == (302, 409)
        assert Product.objects.get().quantity == 5
    else:  # the delete won: the edit found the product gone
        assert (edit.status_code, delete.status_code) == (410, 302)
    assert ProductChange.objects.exclude(action="created").count() == 1


def test_concurrent_admin_saves_with_one_version_save_one_and_show_the_other(
    superuser, checks_pass_before_saves
):
    # On SQLite the admin's transaction takes the write lock before the form is
    # checked, so the second request sees the first's version in its form.
    if connection.vendor != "sqlite":
        checks_pass_before_saves(2)
    mug = ProductFactory(name="Blue Mug", quantity=1)
    url = reverse("admin:products_product_change", args=[mug.pk])
    requests = [
        (url, {**product_form_data(mug, quantity=str(q)), "image": ""}) for q in (5, 9)
    ]

    responses = post_together(superuser, requests)

    assert sorted(response.status_code for response in responses) == [302, 409]
    (loser,) = [r for r in responses if r.status_code == 409]
    assert "was changed since you opened this page" in loser.content.decode()
    assert ProductChange.objects.filter(action="updated").count() == 1


def test_two_submits_of_other_fields_at_one_version_both_save(
    staff_user, checks_pass_before_saves
):
    # Both have passed the form at version 1 before either writes: the second
    # finds the first's write at its UPDATE and merges with it.
    checks_pass_before_saves(2)
    mug = ProductFactory(name="Blue Mug", quantity=1, price=Decimal("2.00"))
    url = reverse("product-update", args=[mug.slug])
    requests = [
        (url, product_form_data(mug, quantity="5")),
        (url, product_form_data(mug, price="2.50")),
    ]

    responses = post_together(staff_user, requests)

    assert [response.status_code for response in responses] == [302, 302]
    assert Product.objects.values_list("quantity", "price", "version").get() == (
        5,
        Decimal("2.50"),
        3,
    )
    updates = ProductChange.objects.filter(action="updated").order_by("pk")
    assert sorted(c.product_version for c in updates) == [2, 3]
    assert sorted(item.field for c in updates for item in c.field_changes) == [
        "price",
        "quantity",
    ]


def test_concurrent_admin_saves_of_other_fields_at_one_version_both_save(
    superuser, checks_pass_before_saves
):
    if connection.vendor != "sqlite":
        checks_pass_before_saves(2)
    mug = ProductFactory(name="Blue Mug", quantity=1, price=Decimal("2.00"))
    url = reverse("admin:products_product_change", args=[mug.pk])
    requests = [
        (url, {**product_form_data(mug, quantity="5"), "image": ""}),
        (url, {**product_form_data(mug, price="2.50"), "image": ""}),
    ]

    responses = post_together(superuser, requests)

    assert [response.status_code for response in responses] == [302, 302]
    assert Product.objects.values_list("quantity", "price", "version").get() == (
        5,
        Decimal("2.50"),
        3,
    )


@pytest.mark.parametrize(
    "ago, said",
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=2), "2 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
    ],
)
def test_a_kept_value_says_when_it_was_set(ago, said):
    product = ProductFactory(quantity=1)
    opened = loaded(product)
    product.quantity = 3
    product.save()
    ProductChange.objects.filter(action="updated").update(
        created_at=timezone.now() - ago
    )

    updated = writes.product_update_merging(
        product=opened, version=1, data={"price": Decimal(1), "quantity": 1}
    )

    sentence = updated.kept[0].kept_sentence.replace("\xa0", " ")  # naturaltime's
    assert sentence == f"Quantity 3 set by system {said} was kept."


def product_rows_locked(queries):
    """Whether any of ``queries`` read a product's row under a lock."""
    return any(
        'FROM "products_product"' in query["sql"] and "FOR UPDATE" in query["sql"]
        for query in queries.captured_queries
    )
