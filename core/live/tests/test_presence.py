"""Presence on the hub: who is on a topic, from heartbeats with expiry. A fake
transport, this process's store, a toy stream; no database."""

import asyncio
import json

import pytest

from live.hub import Hub
from live.presence import MemoryStore, Present
from live.streams import Stream, everyone

from .test_hub import FakeLayer, FakeSocket, settle, until

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
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    settings.LIVE_PRESENCE_BEAT_SECONDS = 0.05
    settings.LIVE_PRESENCE_TTL_SECONDS = 0.3
    hub = Hub(FakeLayer(), presence_store=CountingStore())
    yield hub
    if hub.channel is not None:
        await hub.unsubscribe()


class CountingStore(MemoryStore):
    """This process's store, counting its beats and reads: the presence loop's
    turns are what the tests wait for, not time."""

    beats = reads = 0

    async def beat(self, topic, members, ttl):
        self.beats += 1
        await super().beat(topic, members, ttl)

    async def read(self, topic):
        self.reads += 1
        return await super().read(topic)


async def turns(store, count):
    """Until the presence loop has read the store ``count`` more times."""
    start = store.reads
    await until(lambda: store.reads >= start + count)


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
    await until(lambda: ann.frames[-1] == "<p id='here'>Ann:reading</p>")
    await hub.leave(ann)


async def test_another_tab_of_the_same_person_changes_nothing(hub):
    ann = await arrive(hub, 1, "Ann")
    second_tab = await arrive(hub, 1, "Ann")
    await hub.leave(second_tab)
    await turns(hub.presence.store, 2)
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
    store = hub.presence.store
    beats = store.beats
    # Twenty beats of 0.05 s: more than three TTLs of 0.3 s went by.
    await until(lambda: store.beats >= beats + 20)
    assert await store.read(ROOM)
    assert ann.frames == ["<p id='here'>Ann:reading</p>"]
    await hub.leave(ann)


class BrokenStore(MemoryStore):
    failures = 0

    async def beat(self, topic, members, ttl):
        self.failures += 1
        raise ConnectionError("presence store unreachable")

    async def read(self, topic):
        self.failures += 1
        raise ConnectionError("presence store unreachable")


async def test_a_failing_store_shows_this_process_and_breaks_nothing(settings, caplog):
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    settings.LIVE_PRESENCE_BEAT_SECONDS = 0.05
    store = BrokenStore()
    hub = Hub(FakeLayer(), presence_store=store)
    ann = await arrive(hub, 1, "Ann")
    failures = store.failures
    await until(lambda: store.failures >= failures + 6)  # three beats' worth
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
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    store = ClosingStore()
    hub = Hub(FakeLayer(), presence_store=store)
    ann = await arrive(hub, 1, "Ann")
    await hub.leave(ann)  # the hub's last socket: it unsubscribes
    assert store.closed and await store.read(ROOM) == []
    assert "Presence store failed" not in caplog.text
