"""The consumer with toy streams (nothing of products): who is let in, what a
refusal looks like, and what revocation means per stream. A real session and
the real channel layer of the settings (in-memory, or Redis with REDIS_URL)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.http import QueryDict
from django.urls import path

from accounts.tests.factories import UserFactory
from live.consumers import LiveConsumer
from live.protocol import (
    CLOSE_NOT_ALLOWED,
    CLOSE_TOO_MANY,
    Snapshot,
    event_message,
)
from live.streams import Stream, everyone
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


def state(topic):
    return Snapshot(html=f"<p id='{topic}'>state</p>")


def rooms(scope):
    """``?room=a&room=b``: whatever the request says, checked by the layer."""
    query = QueryDict(scope.get("query_string", b"").decode("latin-1"))
    return query.getlist("room")


# Anyone may watch the weather; only members may read the minutes.
WEATHER = Stream(name="weather", topics=rooms, may_join=everyone, current_state=state)
MINUTES = Stream(
    name="minutes",
    topics=lambda scope: ("minutes",),
    may_join=lambda user: user.is_authenticated,
    current_state=state,
)

application = AuthMiddlewareStack(
    URLRouter(
        [
            path("ws/weather/", LiveConsumer.as_asgi(streams=[WEATHER])),
            path("ws/minutes/", LiveConsumer.as_asgi(streams=[MINUTES])),
        ]
    )
)


@pytest.fixture
async def open_socket():
    opened = []

    async def connect(path, cookie=None):
        headers = [(b"cookie", cookie.encode())] if cookie else []
        communicator = WebsocketCommunicator(application, path, headers)
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=5)
        assert accepted  # always: a refusal is a close with our code after it
        return communicator

    yield connect
    for communicator in opened:
        await communicator.disconnect()


async def closed_with(communicator):
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message.get("code")


async def test_a_public_stream_outlives_its_visitors_logout(open_socket):
    """Only a stream whose sockets live on their session closes when it ends."""
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    weather = await open_socket("/ws/weather/?room=north", cookie)
    minutes = await open_socket("/ws/minutes/", cookie)
    assert "state" in await weather.receive_from(timeout=5)
    assert "state" in await minutes.receive_from(timeout=5)

    await sync_to_async(Session.objects.all().delete)()  # logged out

    assert await closed_with(minutes) == CLOSE_NOT_ALLOWED
    await get_channel_layer().group_send(
        "north", event_message("north", 1, "<p id='north'>rain</p>")
    )
    assert await weather.receive_from(timeout=5) == "<p id='north'>rain</p>"


@pytest.mark.parametrize(
    "query",
    [
        "room=" + "9" * 100,  # a group name the channel layer refuses
        "room=north&room=caf%C3%A9",
        "room=a%20b",
        "",  # nothing to watch
    ],
)
async def test_a_socket_asking_for_a_topic_no_transport_carries_is_refused(
    open_socket, query
):
    fine = await open_socket("/ws/weather/?room=south")
    assert "state" in await fine.receive_from(timeout=5)

    hostile = await open_socket(f"/ws/weather/?{query}")

    assert await closed_with(hostile) == CLOSE_NOT_ALLOWED
    await get_channel_layer().group_send(
        "south", event_message("south", 1, "<p id='south'>sun</p>")
    )
    assert await fine.receive_from(timeout=5) == "<p id='south'>sun</p>"


async def test_too_many_topics_on_one_socket_are_refused(open_socket, settings):
    settings.LIVE_MAX_TOPICS_PER_SOCKET = 3
    rooms = "&".join(f"room=r{n}" for n in range(4))
    assert await closed_with(await open_socket(f"/ws/weather/?{rooms}")) == (
        CLOSE_NOT_ALLOWED
    )


async def test_anonymous_sockets_past_the_process_cap_get_4429(open_socket, settings):
    settings.LIVE_ANONYMOUS_SOCKETS_PER_PROCESS = 2
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    for _ in range(2):
        socket = await open_socket("/ws/weather/?room=north")
        assert "state" in await socket.receive_from(timeout=5)

    refused = await open_socket("/ws/weather/?room=north")
    signed_in = await open_socket("/ws/weather/?room=north", cookie)

    assert await closed_with(refused) == CLOSE_TOO_MANY
    assert "state" in await signed_in.receive_from(timeout=5)  # not anonymous


async def test_a_socket_leaving_frees_its_place(open_socket, settings):
    settings.LIVE_ANONYMOUS_SOCKETS_PER_PROCESS = 1
    first = await open_socket("/ws/weather/?room=north")
    assert "state" in await first.receive_from(timeout=5)
    await first.disconnect()
    async with asyncio.timeout(5):
        while True:  # until the hub has counted the departure
            socket = await open_socket("/ws/weather/?room=north")
            message = await socket.receive_output(timeout=5)
            if message["type"] == "websocket.send":
                break
    assert "state" in message["text"]
