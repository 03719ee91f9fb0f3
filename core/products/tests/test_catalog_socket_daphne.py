"""ws/catalog/ through a real daphne: the Origin check, the per-address cap and
hostile queries (a refusal must reach a browser as our close code, and a staff
socket beside it must not notice, which only daphne shows)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from accounts.tests.factories import StaffFactory
from live.protocol import CLOSE_NOT_ALLOWED, CLOSE_TOO_MANY
from products.models import ProductChange

from .factories import ProductFactory
from .sockets import session_cookie

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


# A pk no product can have: as a topic, a group name of 100 characters, which
# the channel layer refuses.
HOSTILE_PK = "9" * 84


def record_change_found_only_by_the_catch_up(product):
    """A change row no push announces: the server's hub finds it in the
    database, no sooner than ``FEED_CATCHUP_SETTLE_SECONDS`` after it."""
    return ProductChange.objects.create(
        action=ProductChange.Action.UPDATED,
        product=product,
        product_slug=product.slug,
        product_name=product.name,
        source="shell",
        changes=[{"field": "quantity", "label": "Quantity", "old": "1", "new": "2"}],
    )


async def test_hostile_topics_fail_their_own_sockets_and_no_one_elses(start_daphne):
    """An anonymous socket asking for a topic the transport refuses once made
    the hub close every socket of the process (4012) at its next re-join.
    Re-joins run every 50 ms here; the row the staff socket waits for reaches
    the server's hub only a second after it is saved, so by then the hub has
    re-joined some twenty times since the last hostile socket left."""
    server = start_daphne(
        LIVE_REJOIN_SECONDS="0.05",
        LIVE_CATCHUP_SECONDS="0.2",
        FEED_CATCHUP_SETTLE_SECONDS="1.0",
    )
    product = await sync_to_async(ProductFactory)()
    cookie = await sync_to_async(session_cookie)(await sync_to_async(StaffFactory)())
    feed = await connect(
        f"ws://127.0.0.1:{server.port}/ws/products/",
        additional_headers={"Origin": server.url, "Cookie": cookie},
        open_timeout=10,
        max_size=None,
    )
    try:
        assert 'id="feed-rows"' in await feed.recv()  # its state
        for _round in range(3):
            hostile = [
                await open_catalog(server, HOSTILE_PK),
                await open_catalog(server, f"{product.pk}&p={HOSTILE_PK}0"),
            ]
            # Nothing to watch in the first; the second watches its product.
            assert await close_code(hostile[0]) == CLOSE_NOT_ALLOWED
            assert f"product-{product.pk}-price" in await hostile[1].recv()
            await hostile[1].close()

        change = await sync_to_async(record_change_found_only_by_the_catch_up)(product)

        async with asyncio.timeout(15):
            while f'id="change-{change.pk}"' not in await feed.recv():
                pass  # other rows and counters; a close raises here
        assert feed.close_code is None
    finally:
        await feed.close()
