"""Feed sockets for tests: the real ASGI application, a real session cookie."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
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
async def redis_receives_finished_in_their_loop():
    """channels-redis ends each receive with a clean-up task holding a lock of
    the process's layer. Each test runs its own event loop: a clean-up cut off by
    the loop's end leaves that lock held, bound to a dead loop, and the next
    test's hub fails to receive. (A server runs one loop; there it finishes.)"""
    yield
    await asyncio.sleep(0)  # let cancelled receives unwind
    layer = get_channel_layer()
    if hasattr(layer, "wait_received"):
        await layer.wait_received()


@pytest.fixture
async def open_feed():
    """``await open_feed(user=None, origin=ORIGIN)`` -> (communicator, accepted).

    Every socket opened is disconnected at the end, even after a refusal.
    """
    opened = []

    async def connect(user=None, origin=ORIGIN, cookie=None):
        headers = [(b"origin", origin.encode())]
        if user is not None and cookie is None:
            cookie = await sync_to_async(session_cookie)(user)
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, "/ws/products/", headers)
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=3)
        return communicator, accepted

    yield connect
    for communicator in opened:
        await communicator.disconnect()
