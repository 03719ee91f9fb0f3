"""Reverts and restores reach open feeds like any write: the new row on top, and
the row it undoes replaced wherever a page shows it, saying so."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from products.editing import writes
from products.models import ProductChange
from products.tests.factories import ProductFactory

from .html import oob_targets

pytestmark = pytest.mark.django_db(transaction=True)


def repriced():
    product = ProductFactory(name="Blue Mug", price=Decimal("9.99"))
    writes.product_update(product=product, version=1, data={"price": Decimal("5")})
    product.refresh_from_db()
    return product, product.changes.latest("pk")


def reverted(product, change):
    writes.product_revert(product=product, change=change, version=product.version)
    return product.changes.latest("pk")


def restored(deletion):
    return writes.product_restore(deletion=deletion).product.changes.get()


def deletion_of(product):
    writes.product_delete(product=product, version=product.version)
    return ProductChange.objects.latest("pk")


async def pushed_rows(communicator, undone):
    """(the new row, the replaced row of ``undone``) of the next message that
    carries a row (counters travel on their own), and the whole message."""
    while True:
        html = await communicator.receive_from(timeout=3)
        if "feed-rows" in oob_targets(html):
            break
    targets = {"feed-rows": "afterbegin", f"change-{undone.pk}": "true"}
    assert oob_targets(html) == targets
    new_row, old_row = html.split(f'id="change-{undone.pk}"')
    return new_row, old_row, html


async def test_a_revert_is_pushed_with_the_reverted_row_marked(open_feed, staff_user):
    product, change = await sync_to_async(repriced)()
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)  # the current state

    undo = await sync_to_async(reverted)(product, change)

    new_row, old_row, _ = await pushed_rows(communicator, change)
    assert f'id="change-{undo.pk}"' in new_row
    assert f'Reverts <a href="/dashboard/products/changes/{change.pk}/">' in new_row
    assert '<del class="old">$5.00</del>' in new_row
    assert f'Reverted by <a href="/dashboard/products/changes/{undo.pk}/">' in old_row


async def test_a_restore_is_pushed_and_the_deletion_loses_its_button(
    open_feed, staff_user
):
    product = await sync_to_async(ProductFactory)(name="Blue Mug")
    deletion = await sync_to_async(deletion_of)(product)
    communicator, _ = await open_feed(staff_user)
    state = await communicator.receive_from(timeout=3)
    assert "change-restore" in state  # the deletion offers it, once

    creation = await sync_to_async(restored)(deletion)

    new_row, old_row, html = await pushed_rows(communicator, deletion)
    assert f'id="change-{creation.pk}"' in new_row
    assert "Restores the deleted product of" in new_row
    assert f'Restored by <a href="/dashboard/products/changes/{creation.pk}/">' in (
        old_row
    )
    assert "change-restore" not in old_row
    # Rendered once for every socket: no viewer's CSRF token inside.
    assert "csrfmiddlewaretoken" not in html
