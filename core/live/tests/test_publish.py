"""Announcing through the settings' own transport (the in-memory layer, or
Redis with REDIS_URL) to a hub in this loop: rendered once, in order."""

import pytest
from channels.layers import get_channel_layer

from live.hub import Hub
from live.protocol import Snapshot
from live.publish import announce
from live.streams import Stream, everyone
from products.tests.sockets import fresh_channel_layer  # noqa: F401 (autouse)

from .test_hub import FakeSocket, connect, until

renders = []


def render(event):
    renders.append(event)
    return f"<p id='t{event}'>"


TOY = Stream(
    name="toy",
    topics=lambda scope: ("toy-room",),
    may_join=everyone,
    current_state=lambda topic: Snapshot(html=""),
    render=render,
    event_id=lambda event: event,
)


@pytest.fixture
async def hub(settings):
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    hub = Hub(get_channel_layer())
    yield hub
    if hub.channel is not None:
        await hub.unsubscribe()


async def test_announced_events_reach_every_socket_rendered_once(hub):
    renders.clear()
    sockets = [FakeSocket(), FakeSocket()]
    for socket in sockets:
        await connect(hub, socket, stream=TOY, topics=("toy-room",))

    for event in (1, 2, 3):
        announce(TOY, "toy-room", event)

    expected = "<p id='t1'><p id='t2'><p id='t3'>"
    await until(lambda: all("".join(s.frames) == expected for s in sockets))
    assert renders == [1, 2, 3]
    for socket in sockets:
        await hub.leave(socket)
