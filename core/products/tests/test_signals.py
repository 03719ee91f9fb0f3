"""Every product write is recorded as a ProductChange and announced after commit."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from products.history.actor import acting_as, process_source
from products.history.recording import changes_committed
from products.models import Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the block's on-commit callbacks at its end,
    as a real commit would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def fields(change):
    return {c["field"]: (c["old"], c["new"]) for c in change.changes}


def test_create_records_the_initial_values(announced, committed):
    category = CategoryFactory(name="Kitchen")
    with committed():
        product = Product.objects.create(
            name="Blue Mug", sku="MUG-1", price="9.5", quantity=3, category=category
        )
    change = ProductChange.objects.get()
    assert change.action == "created"
    assert change.product == product
    assert fields(change) == {
        "name": ("", "Blue Mug"),
        "slug": ("", "blue-mug"),
        "sku": ("", "MUG-1"),
        "price": ("", "9.50"),
        "quantity": ("", "3"),
        "category": ("", str(category.pk)),
    }
    assert [change_set.changes for change_set in announced] == [[change]]


def test_update_records_only_the_changed_fields_as_old_and_new(announced, committed):
    product = ProductFactory(price=Decimal("9.99"), quantity=4)
    product.price = Decimal("12.5")
    with committed():
        product.save()
    change = ProductChange.objects.latest("pk")
    assert change.action == "updated"
    assert change.changes == [{"field": "price", "old": "9.99", "new": "12.50"}]
    assert announced[-1].changes == [change]


def test_old_values_come_from_the_database_not_the_stale_instance():
    product = ProductFactory(quantity=1)
    stale = Product.objects.get(pk=product.pk)
    product.quantity = 2
    product.save()
    stale.quantity = 3
    stale.save()
    assert fields(ProductChange.objects.latest("pk")) == {"quantity": ("2", "3")}


def test_a_save_that_changes_nothing_records_and_announces_nothing(
    announced, committed
):
    product = ProductFactory(price=Decimal("5.00"))
    before = ProductChange.objects.count()
    product.price = Decimal("5.0")
    with committed():
        product.save()
        Product.objects.get(pk=product.pk).save()
    assert ProductChange.objects.count() == before
    assert announced == []


def test_category_is_stored_by_key_and_image_by_file_name():
    kitchen = CategoryFactory(name="Kitchen")
    product = ProductFactory(category=kitchen)
    garden = CategoryFactory(name="Garden")
    product.category = garden
    product.image.name = "products/mug.png"
    product.save()
    assert fields(ProductChange.objects.latest("pk")) == {
        "category": (str(kitchen.pk), str(garden.pk)),
        "image": ("", "products/mug.png"),
    }


def test_stored_values_are_what_django_serialises():
    """Every value is ``Field.value_to_string`` of the saved row ("" for empty):
    raw data, no labels and no display text."""
    product = ProductFactory(
        price=Decimal("1234.5"), quantity=12000, supplier="", description="A mug."
    )
    product.image.name = "products/mug_0Cd52K4.png"
    product.save()
    product.refresh_from_db()
    created, updated = ProductChange.objects.filter(product=product).order_by("pk")
    stored = {item["field"]: item["new"] for item in created.changes}
    stored.update({item["field"]: item["new"] for item in updated.changes})
    for item in [*created.changes, *updated.changes]:
        assert set(item) == {"field", "old", "new"}
    serialised = {
        field.name: (
            ""
            if field.value_from_object(product) is None
            else field.value_to_string(product)
        )
        for field in Product._meta.concrete_fields
        if field.name not in Product.untracked_fields
    }
    assert stored == {name: value for name, value in serialised.items() if value}
    assert stored["price"] == "1234.50"  # at the field's scale


def test_recording_a_change_reads_no_related_row():
    """The category is stored by key: neither the locked read nor the snapshot
    reads the category row."""
    product = ProductFactory(category=CategoryFactory())
    product = Product.objects.get(pk=product.pk)  # nothing related cached
    product.category = CategoryFactory()
    product.quantity += 1
    with CaptureQueriesContext(connection) as context:
        product.save()
    assert ProductChange.objects.latest("pk").action == "updated"
    assert not [q["sql"] for q in context if "products_category" in q["sql"]]


def test_delete_records_the_last_values_and_keeps_the_name(announced, committed):
    product = ProductFactory(name="Blue Mug", quantity=7)
    older = ProductChange.objects.get(product=product)
    with committed():
        product.delete()
    change = ProductChange.objects.latest("pk")
    assert change.action == "deleted"
    assert change.product is None
    assert (change.product_name, change.product_slug) == ("Blue Mug", "blue-mug")
    assert fields(change)["quantity"] == ("7", "")
    older.refresh_from_db()
    assert older.product is None  # history survives the product
    assert announced[-1].changes == [change]


def test_a_rolled_back_change_records_and_announces_nothing(announced, committed):
    product = ProductFactory(quantity=1)
    before = ProductChange.objects.count()
    with committed(), pytest.raises(RuntimeError):
        with transaction.atomic():
            product.quantity = 99
            product.save()
            raise RuntimeError("abort")
    assert ProductChange.objects.count() == before
    assert announced == []
    assert Product.objects.get(pk=product.pk).quantity == 1


def test_nothing_is_announced_before_commit(django_capture_on_commit_callbacks):
    sent = []

    def listener(sender, change_set, **kwargs):
        sent.append(change_set)

    changes_committed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ProductFactory()
            assert sent == []
        for callback in callbacks:
            callback()
        assert len(sent) == 1
    finally:
        changes_committed.disconnect(listener)


def test_a_failing_listener_is_logged_and_the_write_stands(committed, caplog):
    def broken(sender, change_set, **kwargs):
        raise ConnectionError("channel layer down")

    changes_committed.connect(broken)
    try:
        with committed():
            product = ProductFactory()
    finally:
        changes_committed.disconnect(broken)
    assert Product.objects.filter(pk=product.pk).exists()
    assert "Could not announce product changes" in caplog.text


def test_the_actor_is_recorded_with_user_and_source(staff_user):
    with acting_as(user=staff_user, source="web"):
        ProductFactory()
    change = ProductChange.objects.latest("pk")
    assert (change.actor, change.actor_name, change.source) == (
        staff_user,
        staff_user.username,
        "web",
    )
    assert change.who == staff_user.username


def test_without_a_request_the_source_is_shown():
    with acting_as(source="shell"):
        ProductFactory()
    change = ProductChange.objects.latest("pk")
    assert (change.actor, change.who) == (None, "shell")


@pytest.mark.parametrize(
    "argv, source",
    [
        (["manage.py", "shell"], "shell"),
        (["/srv/core/manage.py", "seed_demo"], "command seed_demo"),
        (["django-admin", "shell", "-c", "..."], "shell"),
        (["daphne", "core.asgi:application"], "system"),
    ],
)
def test_process_source_names_how_the_process_started(argv, source):
    assert process_source(argv) == source


def test_edits_through_our_views_record_the_signed_in_user(staff_client, staff_user):
    product = ProductFactory(quantity=1)
    data = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "price": product.price,
        "quantity": 2,
        "supplier": product.supplier,
        "category": product.category_id,
        "description": "",
        "version": product.version,
    }
    response = staff_client.post(f"/products/{product.slug}/edit/", data)
    assert response.status_code == 302
    change = ProductChange.objects.latest("pk")
    assert (change.actor_name, change.source) == (staff_user.username, "web")
    assert fields(change) == {"quantity": ("1", "2")}


def test_edits_through_the_admin_are_recorded_as_admin(client, superuser):
    product = ProductFactory(quantity=1)
    client.force_login(superuser)
    data = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "price": product.price,
        "quantity": 5,
        "supplier": product.supplier,
        "description": "",
        "category": product.category_id,
        "version": product.version,
    }
    response = client.post(f"/admin/products/product/{product.pk}/change/", data)
    assert response.status_code == 302
    change = ProductChange.objects.latest("pk")
    assert (change.actor_name, change.source) == (superuser.username, "admin")
    assert fields(change) == {"quantity": ("1", "5")}


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_product_chain(settings):
    """Two connections edit one product; each event's old value is the previous
    event's new value (the committed row is read under a lock)."""
    product = ProductFactory(quantity=0)
    start = threading.Barrier(2)
    errors = []

    def editor(offset):
        try:
            start.wait()
            for step in range(10):
                stale = Product.objects.get(pk=product.pk)
                stale.quantity = offset + step
                stale.save()
        except Exception as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=(o,)) for o in (100, 200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert errors == []
    updates = ProductChange.objects.filter(action="updated").order_by("pk")
    quantities = [fields(change)["quantity"] for change in updates]
    assert len(quantities) == 20
    for previous, current in zip(quantities, quantities[1:]):
        assert current[0] == previous[1]
    assert quantities[0][0] == "0"
    assert str(Product.objects.get(pk=product.pk).quantity) == quantities[-1][1]
