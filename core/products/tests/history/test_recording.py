"""What a write announces: one change set per committed transaction, with every
change row it recorded and its batch; nothing for one that rolled back; and a
broken channel layer never fails a saved write."""

import logging
from decimal import Decimal

import pytest
from django.db import transaction

from live import transport
from live.publish import announcer
from products.editing import writes
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def loaded(product):
    return Product.objects.select_related("category").get(pk=product.pk)


def test_shell_saves_in_one_atomic_block_are_one_set(announced):
    mug, cup = ProductFactory(price=Decimal("5.00")), ProductFactory(quantity=2)
    announced.clear()

    with transaction.atomic():
        mug.price = Decimal("6.00")
        mug.save()
        cup.quantity = 3
        cup.save()

    [change_set] = announced
    assert [(change.product_id, change.action) for change in change_set.changes] == [
        (mug.pk, "updated"),
        (cup.pk, "updated"),
    ]
    assert change_set.changes == list(ProductChange.objects.order_by("pk"))[-2:]
    assert change_set.batches == []


def test_each_committed_write_is_its_own_set(announced):
    product = ProductFactory(quantity=1)
    announced.clear()

    writes.product_update(product=loaded(product), version=1, data={"quantity": 2})
    writes.product_update(product=loaded(product), version=2, data={"quantity": 3})

    assert [[c.product_version for c in s.changes] for s in announced] == [[2], [3]]


def test_the_write_path_and_the_net_in_one_transaction_are_one_set(announced):
    mug, cup = ProductFactory(), ProductFactory()
    announced.clear()

    with transaction.atomic():
        writes.product_update(product=loaded(mug), version=1, data={"quantity": 7})
        cup.name = "Renamed in the shell"
        cup.save()
        writes.product_delete(product=loaded(mug), version=2)

    [change_set] = announced
    assert [(c.product_id, c.action) for c in change_set.changes] == [
        (mug.pk, "updated"),
        (cup.pk, "updated"),
        (mug.pk, "deleted"),
    ]
    assert list(change_set.by_product()) == [mug.pk, cup.pk]


def test_a_rolled_back_transaction_announces_nothing(announced):
    mug, cup = ProductFactory(), ProductFactory()
    announced.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        writes.product_update(product=loaded(mug), version=1, data={"quantity": 7})
        writes.products_bulk(
            items=[writes.BatchItem(cup, {"price": Decimal("1.00")}, 1)], label="x"
        )
        raise RuntimeError("abort")

    assert announced == []
    # The next transaction starts a set of its own.
    writes.product_update(product=loaded(mug), version=1, data={"quantity": 8})
    [change_set] = announced
    assert [change.product_version for change in change_set.changes] == [2]


def test_a_savepoint_rolled_back_leaves_the_set_with_its_changes(announced):
    mug, cup, jug = ProductFactory(), ProductFactory(), ProductFactory()
    announced.clear()

    with transaction.atomic():
        mug.quantity = 11
        mug.save()
        with pytest.raises(RuntimeError), transaction.atomic():
            cup.quantity = 12
            cup.save()
            raise RuntimeError("this part only")
        jug.quantity = 13
        jug.save()

    [change_set] = announced
    assert [change.product_id for change in change_set.changes] == [mug.pk, jug.pk]
    assert not ProductChange.objects.filter(product=cup, action="updated").exists()


def test_a_set_started_in_a_rolled_back_savepoint_still_announces_the_rest(
    announced,
):
    mug, cup = ProductFactory(), ProductFactory()
    announced.clear()

    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            mug.quantity = 11
            mug.save()
            raise RuntimeError("this part only")
        cup.quantity = 12
        cup.save()

    [change_set] = announced
    assert [change.product_id for change in change_set.changes] == [cup.pk]


def test_a_batch_and_a_single_write_in_one_transaction_are_one_set(announced):
    mugs = [ProductFactory(price=Decimal("4.00")) for _ in range(3)]
    single = ProductFactory()
    announced.clear()

    with transaction.atomic():
        batch = writes.products_bulk(
            items=[writes.BatchItem(m, {"price": Decimal("3.00")}, 1) for m in mugs],
            label="price −$1.00",
        )
        writes.product_update(product=loaded(single), version=1, data={"quantity": 1})

    [change_set] = announced
    assert change_set.batches == [batch]
    assert len(change_set.changes) == 4
    # The feed shows the batch as its entry, the single write as itself.
    assert [entry.pk for entry in change_set.entries()] == [
        batch.entry_id,
        change_set.changes[-1].pk,
    ]


def test_a_broken_channel_layer_is_logged_and_the_write_stands(
    monkeypatch, caplog, announced
):
    def refuse(*args, **kwargs):
        raise ConnectionError("channel layer down")

    monkeypatch.setattr(transport, "send", refuse)
    product = ProductFactory(price=Decimal("5.00"))

    with caplog.at_level(logging.ERROR):
        written = writes.product_update(
            product=loaded(product), version=1, data={"price": Decimal("6.00")}
        )
        assert announcer().flush()

    assert written.version == 2
    assert Product.objects.get(pk=product.pk).price == Decimal("6.00")
    assert announced[-1].changes[0].product_version == 2
    assert "Could not announce" in caplog.text
