"""The public catalog's sockets resume from the point their page was rendered
at: a fresh page gets no state, a change committed between the render and the
connect arrives over the socket (in-process, and through a real daphne)."""

import asyncio
import re
from decimal import Decimal
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from websockets.asyncio.client import connect

from live.protocol import RESUMED
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]

SOCKET = re.compile(r'data-live-socket="(/ws/catalog/[^"]*)"')


@sync_to_async
def render(url):
    """A visitor's page: its socket's path."""
    response = Client().get(url)
    assert response.status_code == 200
    return unescape(SOCKET.search(response.content.decode())[1])


@sync_to_async
def make_products(count):
    return [ProductFactory(price=Decimal("15.00"), quantity=40) for _ in range(count)]


@sync_to_async
def reprice(product, price):
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"price": price}
    )


async def test_a_fresh_listing_gets_no_state(open_socket):
    await make_products(3)
    path = await render("/products/")
    assert "after=" in path

    socket, accepted = await open_socket(path)
    assert accepted

    assert await socket.receive_from(timeout=3) == RESUMED


async def test_a_fresh_product_page_gets_no_state(open_socket):
    product, *_ = await make_products(1)
    await reprice(product, "16.00")  # a point to resume from
    path = await render(f"/products/{product.slug}/")

    socket, _ = await open_socket(path)

    assert await socket.receive_from(timeout=3) == RESUMED


async def test_a_change_between_render_and_connect_reaches_the_listing(open_socket):
    products = await make_products(3)
    path = await render("/products/")
    await reprice(products[1], "19.50")

    socket, _ = await open_socket(path)
    first = await socket.receive_from(timeout=3)

    assert first.startswith(RESUMED)
    assert f'id="product-{products[1].pk}-price"' in first
    assert "19.50" in first
    # Only what changed: the other products' prices are as the page shows them.
    assert f'id="product-{products[0].pk}-price"' not in first


async def test_a_change_between_render_and_connect_arrives_through_daphne(
    start_daphne,
):
    server = start_daphne()
    products = await make_products(2)
    path = await render("/products/")
    await reprice(products[0], "21.25")

    socket = await connect(
        f"ws://127.0.0.1:{server.port}{path}",
        additional_headers={"Origin": server.url},
        open_timeout=10,
        close_timeout=2,
    )
    try:
        first = await asyncio.wait_for(socket.recv(), 10)
    finally:
        await socket.close()

    assert first.startswith(RESUMED)
    assert f'id="product-{products[0].pk}-price"' in first
    assert "21.25" in first
    assert f'id="product-{products[1].pk}-price"' not in first
