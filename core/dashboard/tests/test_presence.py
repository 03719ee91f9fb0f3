"""Who else is on a product's page, its edit form or the feed, through the real
ASGI application (one process, in-memory presence)."""

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import (
    StaffFactory,
    StaffWithoutPermissionsFactory,
    UserFactory,
    WatcherFactory,
)
from live.hub import get_hub
from live.protocol import CLOSE_NOT_ALLOWED
from products.tests.factories import ProductFactory

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quick_presence(settings):
    settings.LIVE_PRESENCE_BEAT_SECONDS = 0.1
    settings.LIVE_PRESENCE_TTL_SECONDS = 0.5


@pytest.fixture
async def product():
    return await sync_to_async(ProductFactory)(name="Blue Mug")


def staff(name, factory=StaffFactory):
    return sync_to_async(factory)(username=name, first_name=name.title())


async def frame_with(communicator, text, seconds=2.0, absent=False):
    """The first frame that contains ``text`` (or, with ``absent``, that shows
    who is here without it) within ``seconds``, and how long it took."""
    started = time.monotonic()
    while True:
        left = started + seconds - time.monotonic()
        frame = await communicator.receive_from(timeout=max(left, 0.01))
        if 'class="presence"' in frame and (text not in frame) == absent:
            return frame, time.monotonic() - started


async def test_an_editor_sees_who_arrives_and_the_arrival_sees_the_editor(
    open_live, product
):
    alice, bob = await staff("alice"), await staff("bob")
    editing, _ = await open_live(f"/ws/products/{product.pk}/edit/", alice)
    assert "Alice is editing" in await editing.receive_from(timeout=3)

    viewing, _ = await open_live(f"/ws/products/{product.pk}/", bob)
    state = await viewing.receive_from(timeout=3)
    assert 'id="presence"' in state and 'hx-swap-oob="true"' in state
    assert "Alice is editing" in state and "Bob is viewing" in state
    frame, seconds = await frame_with(editing, "Bob is viewing")
    assert seconds < 2


async def test_a_closed_tab_is_gone_at_once(open_live, product):
    alice, bob = await staff("alice"), await staff("bob")
    editing, _ = await open_live(f"/ws/products/{product.pk}/edit/", alice)
    viewing, _ = await open_live(f"/ws/products/{product.pk}/", bob)
    await frame_with(editing, "Bob is viewing")
    await viewing.disconnect()
    frame, seconds = await frame_with(editing, "Bob", absent=True)
    assert "Alice is editing" in frame and seconds < 2


async def test_someone_whose_process_died_is_gone_when_the_entry_expires(
    open_live, product, quick_presence
):
    alice = await staff("alice")
    editing, _ = await open_live(f"/ws/products/{product.pk}/edit/", alice)
    await editing.receive_from(timeout=3)
    # What another process wrote before it died: nobody renews it.
    ghost = json.dumps([999, "Ghost", "editing", "a-process-that-died"])
    topic = f"presence-product-{product.pk}"
    await get_hub().presence.store.beat(topic, [ghost], ttl=0.5)
    await frame_with(editing, "Ghost is editing")
    frame, seconds = await frame_with(editing, "Ghost", absent=True)
    assert "Alice is editing" in frame and seconds < 1.5


async def test_other_products_and_pages_are_not_mixed_up(open_live, product):
    other = await sync_to_async(ProductFactory)(name="Red Mug")
    alice, bob = await staff("alice"), await staff("bob")
    here, _ = await open_live(f"/ws/products/{product.pk}/", alice)
    await here.receive_from(timeout=3)
    elsewhere, _ = await open_live(f"/ws/products/{other.pk}/edit/", bob)
    assert "Alice" not in await elsewhere.receive_from(timeout=3)
    watching, _ = await open_live("/ws/products/", bob)
    assert "Bob is watching" in await watching.receive_from(timeout=3)
    assert await here.receive_nothing(timeout=0.5)


async def test_the_feed_shows_who_is_watching(open_feed):
    first = await staff("first", WatcherFactory)
    second = await staff("second", WatcherFactory)
    mine, _ = await open_feed(first)
    assert "First is watching" in await mine.receive_from(timeout=3)
    await open_feed(second)
    frame, _ = await frame_with(mine, "Second is watching")
    assert 'id="feed-presence"' in frame


@pytest.mark.parametrize(
    "who, page",
    [
        (None, ""),
        (UserFactory, ""),
        (StaffWithoutPermissionsFactory, ""),
        (WatcherFactory, "edit/"),  # may view products, not change them
    ],
    ids=["anonymous", "shopper", "staff-without-permission", "viewer-on-edit"],
)
async def test_who_fails_the_pages_check_is_closed_and_sees_no_one(
    open_live, product, who, page
):
    alice = await staff("alice")
    editing, _ = await open_live(f"/ws/products/{product.pk}/edit/", alice)
    await editing.receive_from(timeout=3)
    user = None if who is None else await sync_to_async(who)()
    communicator, accepted = await open_live(f"/ws/products/{product.pk}/{page}", user)
    assert accepted  # then closed with our own code, not refused (1006)
    message = await communicator.receive_output(timeout=2)
    assert message == {"type": "websocket.close", "code": CLOSE_NOT_ALLOWED}
    assert await communicator.receive_nothing(timeout=0.3)


async def test_presence_messages_are_escaped(open_live, product):
    hostile = await sync_to_async(StaffFactory)(
        username="mallory", first_name="<script>alert(1)</script>"
    )
    viewing, _ = await open_live(f"/ws/products/{product.pk}/", hostile)
    state = await viewing.receive_from(timeout=3)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is viewing" in state
    assert "<script>" not in state


async def test_losing_the_permission_closes_the_presence_socket(open_live, product):
    bob = await staff("bob")
    viewing, _ = await open_live(f"/ws/products/{product.pk}/", bob)
    await viewing.receive_from(timeout=3)

    def demote():
        bob.is_staff = False
        bob.save()

    await sync_to_async(demote)()
    message = await asyncio.wait_for(viewing.receive_output(timeout=2), 3)
    assert message == {"type": "websocket.close", "code": CLOSE_NOT_ALLOWED}
