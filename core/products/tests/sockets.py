"""What socket tests of products share: the Origin a page would send, and the
clean-up every async socket test needs (import the fixtures into the module)."""

import pytest
from asgiref.sync import sync_to_async
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.db import connections
from django.test import Client

ORIGIN = "http://localhost"


@pytest.fixture(autouse=True)
async def close_db_connections_after_async_test():
    """The async ORM's worker thread keeps its connection open; on PostgreSQL that
    blocks dropping the test database."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """channels-redis keeps locks of the loop that first used it: a layer per test."""
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


def session_cookie(user):
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"
