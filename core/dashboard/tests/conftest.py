"""Feed sockets for tests: the real ASGI application, a real session cookie."""

import pytest
from asgiref.sync import sync_to_async
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from core.asgi import application

ORIGIN = "http://localhost"


def session_cookie(user):
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@pytest.fixture(autouse=True)
async def close_db_connections_after_async_test():
    """The async ORM's worker thread keeps its connection open; on PostgreSQL that
    blocks dropping the test database."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test runs in its own event loop, while channels-redis keeps asyncio
    locks that belong to the loop that first used them (released later by
    background tasks of that loop): give every test a layer of its own. Daphne
    runs one loop per process, so this is a test-only concern."""
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


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
