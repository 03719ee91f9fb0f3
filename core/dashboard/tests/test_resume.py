"""The feed's socket resumes from the point of the change log its page was
rendered at: a fresh page gets no full state, nothing committed between the
render and the connect is lost, a point too old gets the whole state, and a
reconnect resumes from the last event it saw."""

import re
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from accounts.tests.factories import WatcherFactory
from live.protocol import RESUMED
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

SOCKET = re.compile(r'data-live-socket="(/ws/products/[^"]*)"')
POINT = re.compile(r"<!--live:(\d+)-->")
# What the whole state carries and a resume never does.
SNAPSHOT = 'id="feed-rows" hx-swap-oob="innerHTML"'


@sync_to_async
def render_feed(user):
    """The feed page as ``user``'s browser gets it: its socket's path."""
    client = Client()
    client.force_login(user)
    response = client.get("/dashboard/products/")
    assert response.status_code == 200
    return unescape(SOCKET.search(response.content.decode())[1])


@sync_to_async
def reprice(product, price):
    product.price = price
    product.save()
    return product.changes.latest("pk").pk


async def receive_until(socket, text, timeout=5):
    """Every frame up to the one holding ``text``, joined (counters and rows of
    one change may leave as separate frames)."""
    frames = []
    while not frames or text not in frames[-1]:
        frames.append(await socket.receive_from(timeout=timeout))
    return "".join(frames)


@pytest.fixture
async def watcher():
    return await sync_to_async(WatcherFactory)()


@pytest.fixture
async def busy_feed():
    """A feed with rows and counters worth tens of kilobytes as a state."""

    @sync_to_async
    def make():
        return [ProductFactory(description="x" * 200) for _ in range(40)]

    return await make()


async def test_a_fresh_page_gets_a_small_first_frame_and_stays_current(
    open_live, watcher, busy_feed
):
    path = await render_feed(watcher)
    socket, accepted = await open_live(path, watcher)
    assert accepted

    first = await socket.receive_from(timeout=5)

    assert first.startswith(RESUMED)
    assert SNAPSHOT not in first
    assert len(first.encode()) < 4096
    change = await reprice(busy_feed[0], "777.77")
    assert "777.77" in await receive_until(socket, f'id="change-{change}"')


async def test_a_change_between_render_and_connect_arrives_over_the_socket(
    open_live, watcher, busy_feed
):
    path = await render_feed(watcher)
    change = await reprice(busy_feed[3], "12.34")

    socket, _ = await open_live(path, watcher)
    first = await socket.receive_from(timeout=5)

    assert SNAPSHOT not in first
    assert f'id="change-{change}"' in first
    assert 'id="feed-counters"' in first  # the counters moved with it
    # Sent once: not pushed again once the socket streams.
    later = await reprice(busy_feed[4], "1.00")
    pushed = await receive_until(socket, f'id="change-{later}"')
    assert f'id="change-{change}"' not in pushed


async def test_a_point_too_old_gets_the_whole_state(
    open_live, watcher, busy_feed, settings
):
    settings.LIVE_RESUME_MAX_EVENTS = 2
    path = await render_feed(watcher)
    changes = [await reprice(busy_feed[n], f"{n}.50") for n in range(3)]

    socket, _ = await open_live(path, watcher)
    first = await socket.receive_from(timeout=5)

    assert SNAPSHOT in first
    assert all(f'id="change-{change}"' in first for change in changes)


async def test_a_point_the_log_does_not_know_gets_the_whole_state(
    open_live, watcher, busy_feed
):
    socket, _ = await open_live("/ws/products/?after=999999999", watcher)

    assert SNAPSHOT in await socket.receive_from(timeout=5)


async def test_a_reconnect_resumes_from_the_last_event_seen(
    open_live, watcher, busy_feed
):
    path = await render_feed(watcher)
    socket, _ = await open_live(path, watcher)
    await socket.receive_from(timeout=5)
    seen = await reprice(busy_feed[1], "3.00")
    pushed = await receive_until(socket, f'id="change-{seen}"')
    newest = max(int(point) for point in POINT.findall(pushed))
    assert newest == seen
    await socket.disconnect()
    missed = await reprice(busy_feed[2], "4.00")

    again, _ = await open_live(f"/ws/products/?after={newest}", watcher)
    first = await again.receive_from(timeout=5)

    assert f'id="change-{missed}"' in first
    assert f'id="change-{seen}"' not in first
    assert SNAPSHOT not in first
