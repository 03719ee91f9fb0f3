"""Feed sockets for tests: the real ASGI application, a real session cookie."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from core.asgi import application

# The Origin a page sends, a real session cookie, and the clean-up every async
# socket test needs: shared with the products' socket tests.
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    ORIGIN,
    close_db_connections_after_async_test,
    fresh_channel_layer,
    session_cookie,
)


@pytest.fixture
async def open_live():
    """``await open_live(path, user=None, origin=ORIGIN)`` -> (communicator,
    accepted), for any live URL.

    Every socket opened is disconnected at the end, even after a refusal.
    """
    opened = []

    async def connect(path, user=None, origin=ORIGIN, cookie=None):
        headers = [(b"origin", origin.encode())]
        if user is not None and cookie is None:
            cookie = await sync_to_async(session_cookie)(user)
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers)
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=3)
        return communicator, accepted

    yield connect
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture
def open_feed(open_live):
    """``await open_feed(user=None, origin=ORIGIN)``: the staff feed's socket."""

    def connect(user=None, origin=ORIGIN, cookie=None):
        return open_live("/ws/products/", user, origin, cookie)

    return connect
