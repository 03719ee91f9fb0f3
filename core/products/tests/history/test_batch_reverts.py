"""Undoing a whole batch: the plan (what each product becomes, what moved on)
and its write, one new batch that reverts the first."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from products.editing import writes
from products.history.batch_reverts import batch_revert_plan
from products.history.reverts import CannotUndo
from products.models import Category, ChangeBatch, Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.helpers import edit, imported

pytestmark = pytest.mark.django_db


def test_undoing_an_import_writes_one_batch_that_reverts_it(
    announced, django_capture_on_commit_callbacks
):
    products = [ProductFactory(price=Decimal("9.99")) for _ in range(3)]
    batch = imported(products, new_skus=["NEW-1"])
    announced.clear()

    plan = batch_revert_plan(batch)
    with django_capture_on_commit_callbacks(execute=True):
        undo = writes.batch_revert(plan=plan)

    assert not plan.blocked and len(plan.ready) == 4
    assert undo.kind == ChangeBatch.Kind.UNDO and undo.reverts == batch
    assert undo.label == "import items.csv"
    assert list(batch.reverted_by.all()) == [undo]
    [change_set] = announced  # one event, holding every product it undid
    assert change_set.batches == [undo]
    assert {change.pk for change in change_set.changes} == set(
        undo.changes.values_list("pk", flat=True)
    )
    assert undo.summary == {"updated": 3, "created": 0, "deleted": 1, "unchanged": 0}
    prices = set(Product.objects.values_list("price", flat=True))
    assert prices == {Decimal("9.99")}
    assert not Product.objects.filter(sku="NEW-1").exists()
    # Each change undone is linked to the one that undid it.
    for change in batch.changes.all():
        assert change.reverted_by.get().batch == undo


def test_a_create_undone_is_a_recorded_deletion_that_restore_brings_back():
    batch = imported([], new_skus=["NEW-1"])
    undo = writes.batch_revert(plan=batch_revert_plan(batch))
    deletion = undo.changes.get()
    assert deletion.action == ProductChange.Action.DELETED
    assert deletion.product_name == "New NEW-1"

    restored = writes.product_restore(deletion=deletion)

    assert restored.product.sku == "NEW-1"


def test_a_product_changed_since_is_marked_field_by_field():
    moved, still = ProductFactory(name="Moved"), ProductFactory(name="Still")
    batch = imported([moved, still])
    moved.refresh_from_db()
    edit(moved, price=Decimal("4.00"))

    plan = batch_revert_plan(batch)

    [blocked] = plan.blocked
    assert blocked.name == "Moved"
    [step] = [step for step in blocked.steps if step.problem]
    assert (step.field, step.now, step.restored) == ("price", "$4.00", "$9.99")
    assert step.problem == "Changed since: this change set it to $2.00."
    assert [undo.name for undo in plan.ready] == ["Still"]


def test_a_created_product_changed_since_is_not_deleted():
    batch = imported([], new_skus=["NEW-1"])
    edit(Product.objects.get(sku="NEW-1"), quantity=7)

    [undo] = batch_revert_plan(batch).blocked

    [step] = [step for step in undo.steps if step.problem]
    assert step.field == "quantity"
    assert "it was created with 0" in step.problem


def test_leaving_the_blocked_undoes_the_rest_only():
    moved, still = ProductFactory(), ProductFactory()
    batch = imported([moved, still])
    moved.refresh_from_db()
    edit(moved, price=Decimal("4.00"))

    undo = writes.batch_revert(plan=batch_revert_plan(batch))

    assert undo.changes.get().product == still
    moved.refresh_from_db(), still.refresh_from_db()
    assert (moved.price, still.price) == (Decimal("4.00"), Decimal("9.99"))


def test_undoing_the_undo_restores_the_import():
    product = ProductFactory(price=Decimal("9.99"))
    batch = imported([product], new_skus=["NEW-1"])
    undo = writes.batch_revert(plan=batch_revert_plan(batch))

    redo = writes.batch_revert(plan=batch_revert_plan(undo))

    assert redo.label == "undo of import items.csv"
    product.refresh_from_db()
    assert product.price == Decimal("2.00")
    assert Product.objects.filter(sku="NEW-1").exists()


def test_a_batch_undone_already_cannot_be_undone_again():
    batch = imported([ProductFactory()])
    undo = writes.batch_revert(plan=batch_revert_plan(batch))

    with pytest.raises(CannotUndo) as refused:
        batch_revert_plan(batch)

    assert refused.value.undone_by == undo


def queries_to_plan(count):
    kitchen, garden = CategoryFactory(), CategoryFactory()
    products = [ProductFactory(category=kitchen) for _ in range(count)]
    items = [writes.BatchItem(p, {"category": garden}, p.version) for p in products]
    batch = writes.products_bulk(items=items, label="garden")
    with CaptureQueriesContext(connection) as queries:
        plan = batch_revert_plan(batch)
    assert len(plan.ready) == count
    return len(queries)


def test_the_plan_reads_a_batch_in_a_fixed_number_of_queries():
    assert queries_to_plan(2) == queries_to_plan(12)


def test_a_category_deleted_since_blocks_its_products():
    kitchen, garden = CategoryFactory(name="Kitchen"), CategoryFactory(name="Garden")
    product = ProductFactory(category=kitchen)
    items = [writes.BatchItem(product, {"category": garden}, product.version)]
    batch = writes.products_bulk(items=items, label="garden")
    product.refresh_from_db()
    Category.objects.filter(pk=kitchen.pk).delete()

    [undo] = batch_revert_plan(batch).blocked

    [step] = undo.steps
    assert (step.now, step.problem) == (
        "Garden",
        f"The category it had (#{kitchen.pk}) has been deleted since.",
    )


def queries_to_undo_creates(count):
    batch = imported([], new_skus=[f"NEW-{count}-{n}" for n in range(count)])
    plan = batch_revert_plan(batch)
    with CaptureQueriesContext(connection) as queries:
        writes.batch_revert(plan=plan)
    assert not Product.objects.filter(sku__startswith=f"NEW-{count}-").exists()
    return len(queries)


def test_undoing_creates_deletes_them_together_not_one_by_one():
    assert queries_to_undo_creates(2) == queries_to_undo_creates(8)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "new_skus", [(), ("NEW-1", "NEW-2")], ids=["updates", "creates"]
)
def test_two_undos_of_one_batch_at_once_write_one(new_skus):
    batch = imported([ProductFactory(), ProductFactory()], new_skus=new_skus)
    plans = [batch_revert_plan(batch) for _ in range(2)]  # both before either
    start = threading.Barrier(2)
    outcomes = []

    def undo(plan):
        try:
            start.wait()
            writes.batch_revert(plan=plan)
            outcomes.append("undone")
        except writes.BatchStale:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=undo, args=[plan]) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "undone"]
    assert batch.reverted_by.count() == 1
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("9.99")}
