"""ws/catalog/ through a real daphne: the Origin check and the per-address cap
(a refusal must reach a browser as our close code, which only daphne shows)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from live.protocol import CLOSE_TOO_MANY

from .factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def open_catalog(server, pk, origin=None):
    return await connect(
        f"ws://127.0.0.1:{server.port}/ws/catalog/?p={pk}",
        additional_headers={"Origin": origin or server.url},
        open_timeout=10,
        close_timeout=2,
    )


async def close_code(socket, seconds=5):
    try:
        async with asyncio.timeout(seconds):
            while True:
                await socket.recv()
    except ConnectionClosed:
        return socket.close_code


async def test_over_the_cap_a_socket_is_closed_with_4429(start_daphne):
    server = start_daphne(CATALOG_SOCKETS_PER_ADDRESS="2")
    product = await sync_to_async(ProductFactory)()
    sockets = [await open_catalog(server, product.pk) for _ in range(2)]
    try:
        for socket in sockets:
            assert f"product-{product.pk}-price" in await socket.recv()

        third = await open_catalog(server, product.pk)

        assert await close_code(third) == CLOSE_TOO_MANY
        # The two within the cap keep working.
        assert sockets[0].close_code is None
    finally:
        for socket in sockets:
            await socket.close()


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://127.0.0.1:{port}",  # another scheme
        "http://127.0.0.1:1",  # another port
    ],
)
async def test_another_origin_is_refused(start_daphne, origin):
    server = start_daphne()
    product = await sync_to_async(ProductFactory)()

    with pytest.raises(InvalidStatus) as refused:
        await open_catalog(server, product.pk, origin.format(port=server.port))

    assert refused.value.response.status_code == 403
