"""Presence across real daphne processes sharing Redis: who is on a product's
form shows on another process's page, and someone whose process is killed is
gone once the entry expires."""

import asyncio
import time

import pytest

from accounts.tests.factories import StaffFactory
from products.tests.factories import ProductFactory

from .live_server import Daphne
from .live_sockets import log_in, open_live

pytestmark = [
    pytest.mark.redis(
        reason="presence crosses processes only through Redis (the in-memory "
        "store lives in one process)"
    ),
    pytest.mark.socket,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people(transactional_db):
    product = ProductFactory(name="Blue Mug")
    alice = StaffFactory(username="alice", first_name="Alice")
    bob = StaffFactory(username="bob", first_name="Bob")
    return product, log_in(alice), log_in(bob)


async def presence_within(socket, seconds, shows, hides=None):
    """Seconds until a presence frame shows ``shows`` and not ``hides``."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while True:
            frame = await socket.recv()
            if 'class="presence"' not in frame or shows not in frame:
                continue
            if hides is None or hides not in frame:
                return time.monotonic() - started


async def test_two_processes_see_each_other_and_a_closed_tab_goes(tmp_path, people):
    product, alice, bob = people
    with Daphne(tmp_path) as first, Daphne(tmp_path) as second:
        editing = await open_live(first, alice, f"/ws/products/{product.pk}/edit/")
        viewing = await open_live(second, bob, f"/ws/products/{product.pk}/")
        arrived = await presence_within(editing, 2, shows="Bob is viewing")
        await viewing.close()
        left = await presence_within(editing, 10, shows="Alice", hides="Bob")
        await editing.close()
    assert arrived < 2 and left < 2


async def test_a_killed_processs_people_are_gone_within_ten_seconds(tmp_path, people):
    product, alice, bob = people
    with Daphne(tmp_path) as survivor, Daphne(tmp_path) as doomed:
        editing = await open_live(survivor, alice, f"/ws/products/{product.pk}/edit/")
        await open_live(doomed, bob, f"/ws/products/{product.pk}/")
        await presence_within(editing, 2, shows="Bob is viewing")
        doomed.kill()  # SIGKILL: no close frame, no goodbye to Redis
        killed = time.monotonic()
        await presence_within(editing, 10, shows="Alice", hides="Bob")
        gone_after = time.monotonic() - killed
        await editing.close()
    assert gone_after < 10
