"""The state a new socket receives is rendered once and shared, never stale.

A reconnect storm (every page reconnecting after a server restart) opens hundreds
of sockets at once; rendering the same rows for each of them is what made the
handshakes time out.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from dashboard import fragments, streams
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def renders(monkeypatch):
    """Counts how often the current state is rendered."""
    calls = []

    def counted():
        calls.append(1)
        return fragments.render_snapshot()

    monkeypatch.setattr(streams, "render_snapshot", counted)
    return calls


async def test_sockets_opening_at_once_share_one_render(open_feed, staff_user, renders):
    await sync_to_async(ProductFactory)(name="Teapot")
    opened = await asyncio.gather(*(open_feed(staff_user) for _ in range(20)))
    states = [await communicator.receive_from(timeout=3) for communicator, _ in opened]
    assert all("Teapot" in state for state in states)
    assert len(set(states)) == 1
    assert len(renders) == 1


async def test_a_socket_opened_after_an_event_gets_a_state_with_it(
    open_feed, staff_user, renders
):
    first, _ = await open_feed(staff_user)
    await first.receive_from(timeout=3)
    await sync_to_async(ProductFactory)(name="Kettle")
    assert "Kettle" in await first.receive_from(timeout=3)  # published to the hub

    second, _ = await open_feed(staff_user)
    assert "Kettle" in await second.receive_from(timeout=3)
    assert len(renders) == 2
