"""What daphne itself enforces, against a real daphne: the size of a frame and a
peer that stops reading.

Channels' ``WebsocketCommunicator`` accepts frames of any size and never blocks,
so only a real server shows these.
"""

import asyncio
import base64
import os
import socket

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.tests.factories import StaffFactory
from live.protocol import CLOSE_RESTART, MAX_FRAME_BYTES, frame_size
from products.models import ProductChange
from products.tests.factories import ProductFactory

from .conftest import session_cookie
from .live_server import Daphne

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]

# Changes saved by this process reach the server's hub through the database
# catch-up on the in-memory layer (through Redis when REDIS_URL is set): make it
# quick for these tests.
QUICK_CATCH_UP = {"LIVE_CATCHUP_SECONDS": "0.2", "FEED_CATCHUP_SETTLE_SECONDS": "0.1"}


@pytest.fixture
def staff_cookie(db):
    return session_cookie(StaffFactory(username="watcher"))


def feed_url(server):
    return server.url.replace("http://", "ws://") + "/ws/products/"


async def open_socket(server, cookie, **options):
    return await connect(
        feed_url(server),
        origin=server.url,
        additional_headers={"Cookie": cookie},
        max_size=None,  # measure what the server sends, refuse nothing
        **options,
    )


async def frames_until(socket, predicate, timeout):
    """Frames received until one satisfies ``predicate`` (TimeoutError if none)."""
    received = []
    async with asyncio.timeout(timeout):
        while not received or not predicate(received[-1]):
            received.append(await socket.recv())
    return received


def record_change_with_value(size):
    """A change as recorded before descriptions had a limit: one huge value."""
    product = ProductFactory(name="Long Story")
    return ProductChange.objects.create(
        action=ProductChange.Action.UPDATED,
        product=product,
        product_slug=product.slug,
        product_name=product.name,
        source="shell",
        changes=[
            {
                "field": "description",
                "label": "Description",
                "old": "",
                "new": "x" * size,
            }
        ],
    )


async def test_a_huge_recorded_value_leaves_the_feed_working(tmp_path, staff_cookie):
    for _ in range(3):
        await sync_to_async(record_change_with_value)(1_100_000)
    with Daphne(tmp_path, **QUICK_CATCH_UP) as server:
        socket = await open_socket(server, staff_cookie)
        state = await asyncio.wait_for(socket.recv(), 5)
        assert frame_size(state) <= MAX_FRAME_BYTES
        assert "Long Story" in state and "Full values" in state

        product = await sync_to_async(ProductFactory)(name="Next Thing")
        product.description = "y" * 5_000  # as long as the model allows now
        await sync_to_async(product.save)()
        frames = await frames_until(socket, lambda frame: "Next Thing" in frame, 10)
        assert all(frame_size(frame) <= MAX_FRAME_BYTES for frame in frames)
        await socket.close()


def stalled_peer(server, cookie):
    """A socket that completes the WebSocket handshake, then never reads: a raw
    TCP socket with a tiny receive window, so that only the kernel's buffers and
    the server's hold what is sent to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/products/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.url}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)  # byte by byte: read nothing past the headers
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def read_until_closed(sock, timeout):
    """Everything the server sends until it drops the connection; the bytes."""
    sock.settimeout(timeout)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


# Enough to fill what the kernel buffers for a stalled loopback peer (it grows a
# connection's send buffer to a few MiB) and then the server's own bound.
EDITS = 1500


def save_long_edits(products, rounds):
    for round_number in range(rounds):
        for product in products:
            product.description = f"{round_number} " + "words " * 400
            product.supplier = f"Supplier {round_number} " + "z" * 150
            product.save()


async def test_a_peer_that_stops_reading_is_shed_and_others_get_everything(
    tmp_path, staff_cookie
):
    products = [await sync_to_async(ProductFactory)() for _ in range(5)]
    limits = {**QUICK_CATCH_UP, "LIVE_MAX_UNSENT_BYTES": str(64 * 1024)}
    with Daphne(tmp_path, **limits) as server:
        stalled = await sync_to_async(stalled_peer)(server, staff_cookie)
        healthy = await open_socket(server, staff_cookie)
        await asyncio.wait_for(healthy.recv(), 5)  # the state

        # The healthy socket reads all along, as a browser does.
        first = (await sync_to_async(ProductChange.objects.latest)("pk")).pk + 1
        last_id = f'id="change-{first + EDITS - 1}"'
        # A deadline, not a speed: 1,500 saves of long texts take a while on a
        # busy machine.
        reading = asyncio.create_task(
            frames_until(healthy, lambda frame: last_id in frame, 180)
        )
        await sync_to_async(save_long_edits)(products, rounds=EDITS // len(products))
        frames = await reading
        rows = sum(frame.count('class="change change-') for frame in frames)
        assert rows == EDITS  # every event, once

        # The stalled peer was shed: the server closed it as too slow and, as it
        # never answered the close, dropped the connection. Reading now gets what
        # was in flight, the close frame, then the end: no longer a live socket.
        received = await sync_to_async(read_until_closed)(stalled, timeout=60)
        assert len(received) < len("".join(frames).encode())
        stalled.close()
        await healthy.close()


async def test_stopping_the_server_closes_feed_sockets_to_resync(
    tmp_path, staff_cookie
):
    """Close codes other than 1000 and 3000-4999 cannot be sent under daphne:
    the restart code must arrive as sent, so the page reconnects at once."""
    server = Daphne(tmp_path).start()
    try:
        socket = await open_socket(server, staff_cookie)
        await asyncio.wait_for(socket.recv(), 5)  # the state
        server.process.terminate()
        # Frames already on their way (a presence update, say) may come first.
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                while True:
                    await socket.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CLOSE_RESTART
    finally:
        server.stop()
