"""Undoing recorded changes through the write path: reverting an update
(``writes.product_revert``) and restoring a deleted product
(``writes.product_restore``), with what ``reverts`` says stands in the way."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from products.editing import writes
from products.history.reverts import CannotUndo, revert_plan
from products.models import Category, Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.helpers import edit

pytestmark = pytest.mark.django_db


def revert(product, change):
    product.refresh_from_db()
    return writes.product_revert(
        product=product, change=change, version=product.version
    )


def delete(product):
    writes.product_delete(product=product, version=product.version)
    return ProductChange.objects.latest("pk")


# Revert ----------------------------------------------------------------------


def test_a_revert_sets_each_field_back_and_records_what_it_reverts():
    product = ProductFactory(name="Blue Mug", price=Decimal("9.99"), quantity=5)
    change = edit(product, price=Decimal("12.50"), quantity=3)

    saved = revert(product, change)

    product.refresh_from_db()
    assert (product.price, product.quantity) == (Decimal("9.99"), 5)
    assert saved.version == product.version == 3
    recorded = product.changes.latest("pk")
    assert recorded.action == ProductChange.Action.UPDATED
    assert recorded.reverts == change
    assert [(i.field, i.old, i.new) for i in recorded.field_changes] == [
        ("price", "12.50", "9.99"),
        ("quantity", "3", "5"),
    ]
    assert list(change.reverted_by.all()) == [recorded]


def test_a_field_changed_since_blocks_the_whole_revert_and_nothing_is_saved():
    product = ProductFactory(price=Decimal("9.99"), quantity=5)
    change = edit(product, price=Decimal("12.50"), quantity=3)
    edit(product, quantity=2)  # moved on; the price has not
    count = ProductChange.objects.count()

    with pytest.raises(writes.RevertBlocked) as refused:
        revert(product, change)

    product.refresh_from_db()
    assert (product.price, product.quantity, product.version) == (
        Decimal("12.50"),
        2,
        3,
    )
    assert ProductChange.objects.count() == count
    blocking = refused.value.plan.blocking_steps
    assert [(step.field, step.now) for step in blocking] == [("quantity", "2")]
    assert "this change set it to 3" in blocking[0].problem


def test_a_stale_version_is_refused_like_any_write():
    product = ProductFactory(quantity=5)
    change = edit(product, quantity=3)
    opened_at = product.version
    edit(product, supplier="Elsewhere")  # another field: the revert would apply

    with pytest.raises(writes.StaleVersion) as refused:
        writes.product_revert(product=product, change=change, version=opened_at - 1)

    assert [c.field_changes[0].field for c in refused.value.changes] == [
        "quantity",
        "supplier",
    ]
    product.refresh_from_db()
    assert product.quantity == 3


def test_a_revert_of_a_revert_applies_the_change_again():
    product = ProductFactory(price=Decimal("9.99"))
    change = edit(product, price=Decimal("12.50"))
    revert(product, change)
    undo = product.changes.latest("pk")

    revert(product, undo)

    product.refresh_from_db()
    assert product.price == Decimal("12.50")
    assert product.changes.latest("pk").reverts == undo


def test_reverting_twice_is_blocked_because_the_fields_moved_on():
    product = ProductFactory(quantity=5)
    change = edit(product, quantity=3)
    revert(product, change)

    with pytest.raises(writes.RevertBlocked):
        revert(product, change)


@pytest.mark.parametrize("action", ["created", "deleted"])
def test_creates_and_deletes_cannot_be_reverted(action):
    product = ProductFactory()
    creation = product.changes.get()
    other = ProductFactory()
    deletion = delete(other)
    change = creation if action == "created" else deletion

    with pytest.raises(CannotUndo) as refused:
        revert(product, change)

    assert ("delete the product" if action == "created" else "restored") in str(
        refused.value
    )


def test_a_slug_change_reverts_and_the_old_address_is_the_products_again():
    product = ProductFactory(name="Blue Mug")
    change = edit(product, slug="azure-mug")

    revert(product, change)

    product.refresh_from_db()
    assert product.slug == "blue-mug"


def test_a_category_deleted_since_is_a_conflict_that_says_so():
    kitchen, garden = CategoryFactory(name="Kitchen"), CategoryFactory(name="Garden")
    product = ProductFactory(category=kitchen)
    change = edit(product, category=garden)
    Category.objects.filter(pk=kitchen.pk).delete()

    plan = revert_plan(product, change)

    assert plan.blocked
    [step] = plan.blocking_steps
    assert (step.field, step.now) == ("category", "Garden")
    assert (
        step.problem == f"The category it had (#{kitchen.pk}) has been deleted since."
    )


def test_an_image_file_removed_since_is_a_conflict_that_says_so(image_upload):
    product = ProductFactory(image=image_upload(name="first.png"))
    first = product.image.name
    change = edit(product, image=image_upload(name="second.png"))
    product.image.storage.delete(first)  # as the committed replacement does

    with pytest.raises(writes.RevertBlocked) as refused:
        revert(product, change)

    [step] = refused.value.plan.blocking_steps
    assert step.field == "image"
    assert "first.png is no longer stored" in step.problem


def test_an_image_still_stored_comes_back(image_upload):
    product = ProductFactory(image=image_upload(name="first.png"))
    first = product.image.name
    change = edit(product, image=image_upload(name="second.png"))

    revert(product, change)

    product.refresh_from_db()
    assert product.image.name == first


def test_a_sku_another_product_took_since_is_a_conflict_on_that_field():
    product = ProductFactory(sku="MUG-1")
    change = edit(product, sku="MUG-2")
    ProductFactory(sku="MUG-1")

    with pytest.raises(writes.RevertBlocked) as refused:
        revert(product, change)

    [step] = refused.value.plan.blocking_steps
    assert step.field == "sku"
    assert step.problem == "Another product already uses this SKU."


# Restore ---------------------------------------------------------------------


def test_a_restore_recreates_the_product_at_its_address_as_a_create():
    category = CategoryFactory(name="Kitchen")
    product = ProductFactory(
        name="Blue Mug",
        sku="MUG-1",
        price=Decimal("9.99"),
        quantity=4,
        category=category,
        description="A mug, in blue.",
    )
    deletion = delete(product)

    restored = writes.product_restore(deletion=deletion)

    again = Product.objects.get()
    assert again == restored.product
    assert (again.slug, again.sku, again.price, again.quantity) == (
        "blue-mug",
        "MUG-1",
        Decimal("9.99"),
        4,
    )
    assert (again.category, again.description, again.version) == (
        category,
        "A mug, in blue.",
        1,
    )
    assert restored.notes == []
    creation = again.changes.get()
    assert creation.action == ProductChange.Action.CREATED
    assert creation.reverts == deletion


def test_a_taken_address_gives_the_restored_product_a_numbered_one():
    product = ProductFactory(name="Blue Mug", sku="MUG-1")
    deletion = delete(product)
    ProductFactory(name="Blue Mug", sku="MUG-2")  # now at blue-mug

    restored = writes.product_restore(deletion=deletion)

    assert restored.product.slug == "blue-mug-2"
    assert restored.notes == [
        "Its address “blue-mug” belongs to another product now; it is at "
        "“blue-mug-2”."
    ]


def test_a_taken_sku_refuses_the_restore_and_names_the_product():
    deletion = delete(ProductFactory(name="Blue Mug", sku="MUG-1"))
    ProductFactory(name="Azure Mug", sku="MUG-1")

    with pytest.raises(CannotUndo) as refused:
        writes.product_restore(deletion=deletion)

    assert "Another product, “Azure Mug”, uses the SKU MUG-1 now" in str(refused.value)
    assert Product.objects.count() == 1
    assert not deletion.reverted_by.exists()


def test_restoring_twice_is_refused():
    deletion = delete(ProductFactory(name="Blue Mug"))
    first = writes.product_restore(deletion=deletion)

    with pytest.raises(CannotUndo) as refused:
        writes.product_restore(deletion=deletion)

    assert str(refused.value) == (
        f"“Blue Mug” was restored already, by change "
        f"#{first.product.changes.get().pk}."
    )
    assert Product.objects.count() == 1


def test_an_image_still_stored_is_restored(image_upload):
    product = ProductFactory(image=image_upload(name="mug.png"))
    name = product.image.name
    # The deletion removes the file once it commits; a test transaction never
    # commits, so the file is still there as when another product shares it.
    deletion = delete(product)

    restored = writes.product_restore(deletion=deletion)

    assert restored.product.image.name == name
    assert restored.notes == []


def test_a_removed_image_is_left_out_and_the_notes_say_so(image_upload):
    product = ProductFactory(image=image_upload(name="mug.png"))
    storage, name = product.image.storage, product.image.name
    deletion = delete(product)
    storage.delete(name)

    restored = writes.product_restore(deletion=deletion)

    assert restored.product.image.name == ""
    assert restored.notes == [
        "The file mug.png is no longer stored. It was restored without it."
    ]


def test_a_category_deleted_since_is_left_out_and_the_notes_say_so():
    kitchen = CategoryFactory(name="Kitchen")
    deletion = delete(ProductFactory(category=kitchen))
    Category.objects.filter(pk=kitchen.pk).delete()

    restored = writes.product_restore(deletion=deletion)

    assert restored.product.category is None
    assert restored.notes == [
        f"The category it had (#{kitchen.pk}) has been deleted since. It was "
        "restored without it."
    ]


def test_an_update_cannot_be_restored():
    product = ProductFactory(quantity=1)
    change = edit(product, quantity=2)

    with pytest.raises(CannotUndo):
        writes.product_restore(deletion=change)


@pytest.mark.django_db(transaction=True)
def test_two_restores_at_once_bring_back_one_product():
    deletion = delete(ProductFactory(name="Blue Mug"))
    start = threading.Barrier(2)
    outcomes = []

    def restore():
        try:
            start.wait()
            writes.product_restore(deletion=deletion)
            outcomes.append("restored")
        except CannotUndo as refusal:
            outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=restore) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = [outcome for outcome in outcomes if outcome != "restored"]
    assert len(refused) == 1 and "was restored already" in refused[0]
    assert Product.objects.count() == 1
    assert deletion.reverted_by.count() == 1
