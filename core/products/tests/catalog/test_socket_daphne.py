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
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (an autouse fixture)
    close_db_connections_after_async_test,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def open_catalog(server, pk, origin=None, client=None):
    """``client``: the visitor's address, as a proxy in front tells daphne
    (``X-Forwarded-For``, read under ``--proxy-headers``)."""
    headers = {"Origin": origin or server.url}
    if client is not None:
        headers["X-Forwarded-For"] = client
    return await connect(
        f"ws://127.0.0.1:{server.port}/ws/catalog/?p={pk}",
        additional_headers=headers,
        open_timeout=10,
        close_timeout=2,
    )


async def admitted(server, pk, client):
    """A socket of ``client`` on ``server`` and its first frame (the product's
    state), or the code it was closed with at once."""
    socket = await open_catalog(server, pk, client=client)
    try:
        return socket, await socket.recv()
    except ConnectionClosed:
        return socket, socket.close_code


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


async def test_the_cap_counts_the_address_the_proxy_reports(start_daphne):
    server = start_daphne(args=["--proxy-headers"], CATALOG_SOCKETS_PER_ADDRESS="1")
    product = await sync_to_async(ProductFactory)()
    state = f"product-{product.pk}-price"
    first, frame = await admitted(server, product.pk, "203.0.113.7")
    other, other_frame = await admitted(server, product.pk, "198.51.100.9")
    second, refused = await admitted(server, product.pk, "203.0.113.7")
    try:
        # One visitor, not the proxy (127.0.0.1), is over the cap.
        assert state in frame and state in other_frame
        assert refused == CLOSE_TOO_MANY
    finally:
        for socket in (first, other, second):
            await socket.close()


@pytest.mark.redis(reason="processes share their counts through Redis")
async def test_the_cap_per_address_counts_across_processes(start_daphne):
    """Two processes behind one proxy: a visitor's sockets count on both."""
    one = start_daphne(args=["--proxy-headers"], CATALOG_SOCKETS_PER_ADDRESS="2")
    two = start_daphne(args=["--proxy-headers"], CATALOG_SOCKETS_PER_ADDRESS="2")
    product = await sync_to_async(ProductFactory)()
    state = f"product-{product.pk}-price"
    visitor = "203.0.113.7"
    opened = []
    try:
        for server in (one, two):
            socket, frame = await admitted(server, product.pk, visitor)
            opened.append(socket)
            assert state in frame
        for server in (one, two):  # a third, on either process
            socket, refused = await admitted(server, product.pk, visitor)
            opened.append(socket)
            assert refused == CLOSE_TOO_MANY
        socket, frame = await admitted(two, product.pk, "198.51.100.9")
        opened.append(socket)
        assert state in frame  # someone else is not counted with them

        await opened[0].close()  # the visitor closes a tab on process one
        # ... and may open one again, on process two, once one has counted it.
        async with asyncio.timeout(10):
            while True:
                socket, frame = await admitted(two, product.pk, visitor)
                opened.append(socket)
                if frame != CLOSE_TOO_MANY:
                    break
        assert state in frame
    finally:
        for socket in opened:
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
