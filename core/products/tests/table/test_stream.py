"""ws/products/table/: the staff table's live cells, one topic per product shown."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import StaffFactory, StaffWithoutPermissionsFactory
from live.protocol import CLOSE_NOT_ALLOWED
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


async def drain(socket):
    """The (empty) state the socket gets first."""
    while not await socket.receive_nothing(timeout=0.3):
        await socket.receive_from(timeout=3)


@sync_to_async
def update(product, **data):
    product.refresh_from_db()
    writes.product_update(product=product, version=product.version, data=data)


@pytest.fixture
async def table_socket(open_socket):
    async def connect(query, user=None):
        if user is None:
            user = await sync_to_async(StaffFactory)()
        socket, accepted = await open_socket(f"/ws/products/table/?{query}", user)
        if accepted:
            await drain(socket)
        return socket, accepted

    return connect


async def test_a_price_change_replaces_the_rows_cells_in_place(table_socket):
    product = await sync_to_async(ProductFactory)(
        price=Decimal("12.50"), quantity=40, cost_price=Decimal("4.00")
    )
    socket, accepted = await table_socket(f"listing=1&p={product.pk}")
    assert accepted

    await update(product, price=Decimal("3.00"))

    frame = await socket.receive_from(timeout=3)
    pk = product.pk
    # Cells, each out of band by its id; no table row (htmx#3316).
    assert "<tr" not in frame and "<td" not in frame
    assert (
        f'<div id="table-{pk}-price" class="cell cell-changed" hx-swap-oob="true">'
        in frame
    )
    assert 'data-saved="3.00"' in frame
    assert (
        f'<span id="table-{pk}-version" data-version="2" hidden hx-swap-oob="true">'
        in frame
    )
    assert "price below cost" in frame  # the alerts cell follows
    assert f'<div id="table-{pk}-margin" class="cell cell-changed"' in frame
    assert f'id="table-{pk}-change"' in frame
    # Only the cells a price shows in: not the quantity's.
    assert f'id="table-{pk}-quantity"' not in frame


async def test_a_quantity_change_pushes_its_cell_badge_and_sparkline(table_socket):
    product = await sync_to_async(ProductFactory)(quantity=40)
    socket, _ = await table_socket(f"p={product.pk}")
    await update(product, quantity=0)
    frame = await socket.receive_from(timeout=3)
    assert f'<div id="table-{product.pk}-quantity" class="cell cell-changed"' in frame
    assert "Out of stock" in frame and "out of stock" in frame  # badge, alert
    assert f'<div id="table-{product.pk}-spark" class="cell"' in frame
    assert "<svg" in frame


async def test_a_deleted_product_marks_its_row(table_socket):
    product = await sync_to_async(ProductFactory)()
    pk = product.pk
    socket, _ = await table_socket(f"p={pk}")

    @sync_to_async
    def delete():
        product.refresh_from_db()
        writes.product_delete(product=product, version=product.version)

    await delete()
    frame = await socket.receive_from(timeout=3)
    assert f'<div id="table-{pk}-name" class="cell" hx-swap-oob="true">' in frame
    assert "Deleted by" in frame


async def test_a_new_product_is_counted(table_socket):
    socket, _ = await table_socket("listing=1")
    product = await sync_to_async(ProductFactory)()
    frame = await socket.receive_from(timeout=3)
    assert 'id="table-added-items" hx-swap-oob="beforeend"' in frame
    assert f'data-pk="{product.pk}"' in frame


async def test_changes_to_products_not_shown_are_not_sent(table_socket):
    shown, other = await sync_to_async(ProductFactory.create_batch)(2)
    socket, _ = await table_socket(f"p={shown.pk}")
    await update(other, price=Decimal("1.00"))
    assert await socket.receive_nothing(timeout=0.5)


@pytest.mark.parametrize("factory", [None, StaffWithoutPermissionsFactory])
async def test_only_staff_who_may_view_products_are_let_in(open_socket, factory):
    product = await sync_to_async(ProductFactory)()
    user = await sync_to_async(factory)() if factory else None
    socket, accepted = await open_socket(
        f"/ws/products/table/?listing=1&p={product.pk}", user
    )
    assert accepted
    closed = await socket.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_ALLOWED}


async def test_more_products_than_a_page_shows_are_refused(open_socket):
    user = await sync_to_async(StaffFactory)()
    query = "&".join(f"p={n}" for n in range(1, 202))
    socket, _ = await open_socket(f"/ws/products/table/?{query}", user)
    closed = await socket.receive_output(timeout=3)
    assert closed["code"] == CLOSE_NOT_ALLOWED


async def test_a_table_of_the_largest_page_is_let_in(table_socket):
    """200 rows and the listing: more topics than one socket could join at first."""
    products = await sync_to_async(ProductFactory.create_batch)(200)
    query = "listing=1&" + "&".join(f"p={product.pk}" for product in products)
    socket, accepted = await table_socket(query)
    assert accepted

    await update(products[-1], price=Decimal("3.25"))

    pushed = await socket.receive_from(timeout=5)
    assert f'id="table-{products[-1].pk}-price"' in pushed
