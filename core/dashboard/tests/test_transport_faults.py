"""After Redis restarts empty, the live feed heals on its own.

A real daphne and this test process share a private redis-server that the test
kills and starts again, empty (so it runs in both CI runs, whatever the test
database). Within a few seconds of the restart the server must be back in the
feed group: its open sockets are asked to resync (they may have missed events
while the transport was down), a change saved here is pushed to a reopened
socket as fast as before, and a logout here closes that session's socket.
"""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import StaffFactory
from core.settings.base import channel_layer_config
from core.testing.processes import RedisServer
from live.protocol import CLOSE_NOT_ALLOWED, CLOSE_RESTART
from products.tests.factories import ProductFactory

from .live_sockets import (
    close_code_within,
    frame_containing,
    log_in,
    log_out,
    open_feed,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Group membership and revocation must work again this soon after the restart.
HEALED_WITHIN = 5.0
# Less than the database catch-up takes (FEED_CATCHUP_SETTLE_SECONDS = 5 s), so
# only a push through Redis can deliver the change in time.
PUSHED_WITHIN = 2.0
CLOSED_WITHIN = 2.0


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path) as redis_server:
        yield redis_server


@pytest.fixture
def server(start_daphne, redis_server, settings):
    """daphne and this process (which announces the changes made here) on the
    private Redis."""
    settings.CHANNEL_LAYERS = {
        "default": channel_layer_config(redis_server.url, settings.CHANNEL_PREFIX)
    }
    return start_daphne(REDIS_URL=redis_server.url)


async def test_after_redis_restarts_empty_the_feed_heals(server, redis_server):
    staff = await sync_to_async(StaffFactory)(username="watcher")
    watching, leaving = [await sync_to_async(log_in)(staff) for _ in range(2)]
    sockets = [await open_feed(server, key) for key in (watching, leaving)]
    await sync_to_async(ProductFactory)(name="Before the restart")
    await frame_containing(sockets[0], "Before the restart", PUSHED_WITHIN)

    redis_server.kill()
    await asyncio.sleep(1)
    redis_server.start()
    restarted = time.monotonic()

    # Events may have been missed meanwhile: each socket is asked to resync.
    for socket in sockets:
        code, _ = await close_code_within(socket, HEALED_WITHIN, since=restarted)
        assert code == CLOSE_RESTART, server.log()[-3000:]
    print(f"resync asked {time.monotonic() - restarted:.2f} s after the restart")
    sockets = [await open_feed(server, key) for key in (watching, leaving)]

    saved = time.monotonic()
    await sync_to_async(ProductFactory)(name="After the restart")
    took = await frame_containing(
        sockets[0], "After the restart", PUSHED_WITHIN, since=saved
    )
    print(f"a change after the restart was pushed in {took:.2f} s")

    logged_out = time.monotonic()
    await sync_to_async(log_out)(leaving)
    code, took = await close_code_within(sockets[1], CLOSED_WITHIN, since=logged_out)
    print(f"a logout after the restart closed its socket in {took:.2f} s")
    assert code == CLOSE_NOT_ALLOWED
    await sockets[0].close()
