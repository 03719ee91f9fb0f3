"""A batch of product writes (import, bulk action) reaches feed sockets as one
entry, with its counters once."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from products.editing import writes
from products.history.actor import acting_as
from products.models import ChangeBatch
from products.tests.factories import ProductFactory

from .html import oob_targets

pytestmark = pytest.mark.django_db(transaction=True)


def import_prices(user, products):
    items = [
        writes.BatchItem(p, {"price": Decimal("2.00")}, p.version) for p in products
    ]
    # In stock, so that no stock alert moves (the event then carries only the entry).
    new = {"sku": "NEW-1", "name": "New mug", "price": Decimal("1"), "quantity": 10}
    with acting_as(user, "web"):
        return writes.products_import(
            items=[*items, writes.BatchItem(None, new)], label="prices.csv"
        )


async def test_an_import_is_pushed_as_one_entry_and_counters_once(
    open_feed, staff_user
):
    products = await sync_to_async(
        lambda: [ProductFactory(price=Decimal("1.00")) for _ in range(37)]
    )()
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)  # the current state

    batch = await sync_to_async(import_prices)(staff_user, products)

    frames = [await communicator.receive_from(timeout=3)]
    while "feed-counters" not in frames[-1]:
        frames.append(await communicator.receive_from(timeout=3))
    assert await communicator.receive_nothing(timeout=1.5)
    entries = [frame for frame in frames if "feed-rows" in frame]
    assert len(entries) == 1
    [entry] = entries
    assert oob_targets(entry) == {"feed-rows": "afterbegin"}
    assert entry.count('<article class="change') == 1
    assert f'id="change-{batch.entry_id}"' in entry
    assert 'imported <span class="change-batch-label">prices.csv</span>' in entry
    assert '<span class="change-batch-summary">37 updated, 1 created</span>' in entry
    assert sum("feed-counters" in frame for frame in frames) == 1
    assert await sync_to_async(ChangeBatch.objects.count)() == 1
