"""The page sockets (core/routing.py): each carries every stream of its page,
and lets in only users who pass every one of its streams' checks."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import (
    StaffFactory,
    StaffWithoutPermissionsFactory,
    WatcherFactory,
)
from live.protocol import CLOSE_NOT_ALLOWED
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    ORIGIN,
    close_db_connections_after_async_test,
    fresh_channel_layer,
    session_cookie,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


async def closed_with(socket):
    message = await socket.receive_output(timeout=3)
    assert message["type"] == "websocket.close"
    return message["code"]


@sync_to_async
def set_price(product, price):
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"price": price}
    )


async def test_a_staff_product_page_socket_carries_presence_and_price(open_socket):
    product = await sync_to_async(ProductFactory)(price=Decimal("15.00"))
    viewer = await sync_to_async(StaffFactory)(first_name="Vera")

    socket, accepted = await open_socket(
        f"/ws/products/{product.pk}/?p={product.pk}", viewer
    )

    assert accepted
    state = await socket.receive_from(timeout=3)
    while f"product-{product.pk}-price" not in state or "Vera is viewing" not in state:
        state += await socket.receive_from(timeout=3)
    await set_price(product, Decimal("17.25"))
    pushed = await socket.receive_from(timeout=3)
    while "$17.25" not in pushed:
        pushed = await socket.receive_from(timeout=3)
    assert f'id="product-{product.pk}-price"' in pushed


@pytest.mark.parametrize(
    "path, who",
    [
        # The staff part of a product page: staff who may view products.
        ("/ws/products/{pk}/?p={pk}", None),
        ("/ws/products/{pk}/?p={pk}", StaffWithoutPermissionsFactory),
        # An edit form's: staff who may change products (a watcher may not).
        ("/ws/products/{pk}/edit/", None),
        ("/ws/products/{pk}/edit/", WatcherFactory),
        # The feed's and the table's: staff.
        ("/ws/products/", None),
        ("/ws/products/table/?listing=1&p={pk}", None),
    ],
)
async def test_a_page_socket_refuses_whoever_fails_one_of_its_checks(
    open_socket, path, who
):
    product = await sync_to_async(ProductFactory)()
    user = await sync_to_async(who)() if who else None

    socket, accepted = await open_socket(path.format(pk=product.pk), user)

    assert accepted  # then closed with our code, which the page does not retry
    assert await closed_with(socket) == CLOSE_NOT_ALLOWED
