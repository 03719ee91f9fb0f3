"""Presence on the hub: who is on a topic, from heartbeats with expiry. A fake
transport, this process's store, a toy stream; no database."""

import asyncio
import json

import pytest

from live.hub import Hub
from live.presence import MemoryStore, Present
from live.streams import Stream, everyone

from .test_hub import FakeLayer, FakeSocket, settle

ROOM = "reading-room"


def render(entries):
    return "<p id='here'>" + ",".join(f"{e.name}:{e.mode}" for e in entries) + "</p>"


READERS = Stream(
    name="readers",
    topics=lambda scope: (ROOM,),
    may_join=everyone,
    presence=lambda scope: scope["present"],
    render=render,
)


@pytest.fixture
async def hub(settings):
    settings.FEED_WAKE_SECONDS_PER_SOCKET = 0
    settings.PRESENCE_BEAT_SECONDS = 0.05
    settings.PRESENCE_TTL_SECONDS = 0.3
    hub = Hub(FakeLayer(), presence_store=MemoryStore())
    yield hub
    if hub.channel is not None:
        await hub.unsubscribe()


async def until(condition, seconds=2.0):
    """Wait, looking every few ms, until ``condition()`` holds (or fail)."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def arrive(hub, user_id, name, mode="reading"):
    """A socket of ``name`` on the room: its state, then what it receives."""
    socket = FakeSocket()
    present = Present(user_id, name, mode)
    outbox = await hub.join(
        socket, socket.send, socket.close, [(READERS, ROOM)], {ROOM: present}
    )
    state = await hub.current_state(ROOM)
    socket.frames.append(state.html)
    outbox.start({ROOM: state})
    return socket


async def test_arrivals_and_departures_reach_everyone_on_the_topic(hub):
    ann = await arrive(hub, 1, "Ann")
    assert ann.frames == ["<p id='here'>Ann:reading</p>"]
    bob = await arrive(hub, 2, "Bob", mode="writing")
    await settle()
    assert bob.frames == ["<p id='here'>Ann:reading,Bob:writing</p>"]
    assert ann.frames[-1] == "<p id='here'>Ann:reading,Bob:writing</p>"

    await hub.leave(bob)
    await until(lambda: ann.frames[-1] == "<p id='here'>Ann:reading</p>", 0.5)
    await hub.leave(ann)


async def test_another_tab_of_the_same_person_changes_nothing(hub):
    ann = await arrive(hub, 1, "Ann")
    second_tab = await arrive(hub, 1, "Ann")
    await hub.leave(second_tab)
    await asyncio.sleep(0.1)
    assert ann.frames == ["<p id='here'>Ann:reading</p>"]  # never anything else
    await hub.leave(ann)


async def test_someone_whose_process_stopped_beating_expires(hub):
    ann = await arrive(hub, 1, "Ann")
    # An entry another process wrote and no longer renews: it died.
    ghost = json.dumps([7, "Ghost", "reading", "a-process-that-died"])
    await hub.presence.store.beat(ROOM, [ghost], ttl=0.3)
    # The next beat reads it; one after its expiry drops it.
    await until(lambda: "Ghost" in ann.frames[-1])
    await until(lambda: ann.frames[-1] == "<p id='here'>Ann:reading</p>")
    await hub.leave(ann)


async def test_sockets_here_keep_their_entries_alive(hub):
    """Beats renew what this process shows: entries outlive many TTLs."""
    ann = await arrive(hub, 1, "Ann")
    await asyncio.sleep(1.0)  # more than three TTLs
    assert await hub.presence.store.read(ROOM)
    assert ann.frames == ["<p id='here'>Ann:reading</p>"]
    await hub.leave(ann)


class BrokenStore(MemoryStore):
    async def beat(self, topic, members, ttl):
        raise ConnectionError("presence store unreachable")

    async def read(self, topic):
        raise ConnectionError("presence store unreachable")


async def test_a_failing_store_shows_this_process_and_breaks_nothing(settings, caplog):
    settings.FEED_WAKE_SECONDS_PER_SOCKET = 0
    settings.PRESENCE_BEAT_SECONDS = 0.05
    hub = Hub(FakeLayer(), presence_store=BrokenStore())
    ann = await arrive(hub, 1, "Ann")
    await asyncio.sleep(0.2)
    assert ann.frames == ["<p id='here'>Ann:reading</p>"]
    assert ann.closed_with is None
    assert caplog.text.count("Presence store failed") == 1  # once per outage
    await hub.leave(ann)


class ClosingStore(MemoryStore):
    """A store a network away, whose connection is gone once closed, like a
    Redis client's."""

    closed = False

    async def remove(self, topic, members):
        await asyncio.sleep(0.05)
        if self.closed:
            raise ConnectionError("store closed")
        await super().remove(topic, members)

    async def close(self):
        self.closed = True


async def test_the_last_departure_reaches_the_store_before_it_closes(settings, caplog):
    settings.FEED_WAKE_SECONDS_PER_SOCKET = 0
    store = ClosingStore()
    hub = Hub(FakeLayer(), presence_store=store)
    ann = await arrive(hub, 1, "Ann")
    await hub.leave(ann)  # the hub's last socket: it unsubscribes
    assert store.closed and await store.read(ROOM) == []
    assert "Presence store failed" not in caplog.text
