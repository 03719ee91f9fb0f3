"""The per-process feed hub, with a fake transport and fake sockets. No database."""

import asyncio
from functools import partial

import pytest
from django.conf import settings

from dashboard.groups import FEED_GROUP
from dashboard.hub import FeedHub
from dashboard.protocol import CLOSE_RESTART, CLOSE_TOO_SLOW, MAX_FRAME_BYTES


class FakeLayer:
    """A channel layer with one inbox per channel, and a switch to break it."""

    def __init__(self):
        self.groups = {}
        self.inbox = asyncio.Queue()
        self.broken = False

    async def new_channel(self, prefix="specific."):
        return f"{prefix}hub!1"

    async def group_add(self, group, channel):
        self.groups.setdefault(group, set()).add(channel)

    async def group_discard(self, group, channel):
        self.groups.get(group, set()).discard(channel)

    async def receive(self, channel):
        message = await self.inbox.get()
        if message == "break":
            raise ConnectionError("transport lost")
        return message


class FakeSocket:
    def __init__(self, stuck=False):
        self.frames = []
        self.closed_with = None
        self.stuck = stuck

    async def send(self, message):
        if self.stuck:
            await asyncio.Event().wait()  # a peer that never reads
        self.frames.append(message["text"])

    async def close(self, code):
        self.closed_with = code


def event(event_id):
    return {"type": "feed.event", "id": event_id, "html": f"<div id='e{event_id}'>"}


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
def layer():
    return FakeLayer()


@pytest.fixture
async def hub(layer, settings):
    """Senders woken at every event: each test here steps the loop itself
    (waking once per round, under load, has its own test)."""
    settings.FEED_WAKE_SECONDS_PER_SOCKET = 0
    hub = FeedHub(layer)
    yield hub
    if hub.channel is not None:  # a test that left sockets behind
        await hub.unsubscribe()


async def connect(hub, socket, user_id=1, already_sent=()):
    outbox = await hub.join(socket, socket.send, socket.close, user_id)
    outbox.start(already_sent)
    return outbox


async def test_the_hub_subscribes_once_and_leaves_with_the_last_socket(hub, layer):
    first, second = FakeSocket(), FakeSocket()
    await connect(hub, first)
    await connect(hub, second)
    assert len(layer.groups[FEED_GROUP]) == 1
    await hub.leave(first)
    assert len(layer.groups[FEED_GROUP]) == 1
    await hub.leave(second)
    assert layer.groups[FEED_GROUP] == set()


async def test_every_socket_gets_each_event_once(hub, layer):
    sockets = [FakeSocket() for _ in range(3)]
    for socket in sockets:
        await connect(hub, socket)
    for message in (event(1), event(2), event(1)):
        await layer.inbox.put(message)
    await settle()
    # Waiting together, they leave together: one message, each element once.
    assert all(s.frames == ["<div id='e1'><div id='e2'>"] for s in sockets)
    for socket in sockets:
        await hub.leave(socket)


async def test_events_shown_in_the_snapshot_are_not_sent_again(hub, layer):
    socket = FakeSocket()
    await connect(hub, socket, already_sent={1, 2})
    for message in (event(2), event(3)):
        await layer.inbox.put(message)
    await settle()
    assert socket.frames == ["<div id='e3'>"]
    await hub.leave(socket)


async def test_events_wait_in_the_outbox_until_the_snapshot_is_sent(hub, layer):
    socket = FakeSocket()
    outbox = await hub.join(socket, socket.send, socket.close, 1)
    await layer.inbox.put(event(7))
    await settle()
    assert socket.frames == []
    outbox.start(already_sent=set())
    await settle()
    assert socket.frames == ["<div id='e7'>"]
    await hub.leave(socket)


async def test_a_stuck_socket_is_closed_as_too_slow_and_holds_nobody_back(hub, layer):
    stuck, healthy = FakeSocket(stuck=True), FakeSocket()
    await connect(hub, stuck)
    await connect(hub, healthy)
    for event_id in range(settings.FEED_OUTBOX_FRAMES + 5):
        await layer.inbox.put(event(event_id))
        await settle()
    assert stuck.closed_with == CLOSE_TOO_SLOW
    assert len(healthy.frames) == settings.FEED_OUTBOX_FRAMES + 5
    assert healthy.closed_with is None
    await hub.leave(healthy)


async def test_a_lost_transport_makes_every_socket_resume(hub, layer, settings):
    settings.FEED_REJOIN_SECONDS = 0.01
    sockets = [FakeSocket(), FakeSocket()]
    for socket in sockets:
        await connect(hub, socket)
    await layer.inbox.put("break")
    layer.groups.clear()  # Redis came back empty
    await asyncio.sleep(0.1)
    assert layer.groups[FEED_GROUP] == {hub.channel}
    assert [s.closed_with for s in sockets] == [CLOSE_RESTART, CLOSE_RESTART]
    assert hub.outboxes == {}


class FakeCatchUp:
    """Events the database holds: ``missed`` returns those the hub has not seen."""

    interval = 0.01

    def __init__(self, latest_id=0):
        self.latest = latest_id
        self.events = {}

    async def latest_id(self):
        return self.latest

    async def missed(self, after_id, seen):
        ids = sorted(i for i in self.events if i > after_id)
        missed = [(i, self.events[i]) for i in ids if i not in seen]
        return missed, max(ids, default=after_id), None


async def test_events_no_push_brought_are_caught_up_once(layer):
    catch_up = FakeCatchUp(latest_id=10)
    hub = FeedHub(layer, catch_up)
    socket = FakeSocket()
    await connect(hub, socket)
    catch_up.events = {9: "<old>", 11: "<pushed>", 12: "<missed>"}
    await layer.inbox.put({"type": "feed.event", "id": 11, "html": "<pushed>"})
    await asyncio.sleep(0.05)
    await layer.inbox.put({"type": "feed.event", "id": 12, "html": "<missed>"})
    await asyncio.sleep(0.05)
    # 9 predates the hub (the socket's snapshot covers it); 12 arrives once.
    assert socket.frames == ["<pushed>", "<missed>"]
    await hub.leave(socket)
    assert hub.tasks == ()


class RefusingSocket(FakeSocket):
    """A connection whose server refuses a frame (daphne: over 1 MiB)."""

    async def send(self, message):
        if "refused" in message["text"]:
            raise ValueError("payload too large")
        await super().send(message)


async def test_a_socket_whose_send_fails_is_closed_to_resync(hub, layer):
    broken, healthy = RefusingSocket(), FakeSocket()
    await connect(hub, broken)
    await connect(hub, healthy)
    await layer.inbox.put({"type": "feed.event", "id": 1, "html": "refused"})
    await settle()
    await layer.inbox.put(event(2))
    await settle()
    assert broken.closed_with == CLOSE_RESTART
    assert healthy.frames == ["refused", "<div id='e2'>"]
    await hub.leave(healthy)


class TwistedLikeTransport:
    """What ``backlog`` reads of a Twisted connection: bytes not yet written."""

    def __init__(self):
        self.dataBuffer = b""
        self.offset = 0
        self._tempDataLen = 0


class DaphneLikeServer:
    """daphne gives each connection ``partial(server.handle_reply, protocol)``."""

    async def handle_reply(self, protocol, message):
        protocol.transport._tempDataLen += len(message["text"])  # never read


class Protocol:
    def __init__(self):
        self.transport = TwistedLikeTransport()


async def test_a_peer_that_stops_reading_is_shed_once_the_server_holds_too_much(
    hub, layer, settings
):
    settings.FEED_MAX_UNSENT_BYTES = 10_000
    stalled = FakeSocket()
    send = partial(DaphneLikeServer().handle_reply, Protocol())
    await hub.join(stalled, send, stalled.close, 1)
    hub.outboxes[stalled].start(())
    healthy = FakeSocket()
    await connect(hub, healthy)
    for event_id in range(1, 11):
        html = f"<div id='e{event_id}'>{'x' * 2000}</div>"
        await layer.inbox.put({"type": "feed.event", "id": event_id, "html": html})
        await settle()
    assert stalled.closed_with == CLOSE_TOO_SLOW
    assert stalled not in hub.outboxes
    assert len(healthy.frames) == 10
    await hub.leave(healthy)


async def test_frames_waiting_together_are_joined_up_to_the_frame_bound(hub, layer):
    socket = FakeSocket()
    outbox = await hub.join(socket, socket.send, socket.close, 1)
    big = "x" * (MAX_FRAME_BYTES // 2 - 100)
    for event_id in range(1, 4):
        html = f"<div id='e{event_id}'>{big}</div>"
        await layer.inbox.put({"type": "feed.event", "id": event_id, "html": html})
    await settle()
    outbox.start(already_sent={1})  # the state showed the first
    await settle()
    assert [frame.count("<div id=") for frame in socket.frames] == [2]
    assert all(len(frame.encode()) <= MAX_FRAME_BYTES for frame in socket.frames)

    await layer.inbox.put({"type": "feed.event", "id": 4, "html": big})
    await layer.inbox.put({"type": "feed.event", "id": 5, "html": big})
    await layer.inbox.put({"type": "feed.event", "id": 6, "html": big})
    await settle()
    assert len(socket.frames) == 3  # 2 + 1: three halves do not fit in one
    await hub.leave(socket)


class ClosingSocket(FakeSocket):
    """A peer whose close races a send: autobahn refuses the send."""

    async def send(self, message):
        from autobahn.exception import Disconnected

        raise Disconnected("Attempt to send on a closed protocol")


async def test_a_send_racing_the_peers_close_is_no_error(hub, layer, caplog):
    closing = ClosingSocket()
    await connect(hub, closing)
    await layer.inbox.put(event(1))
    await settle()
    assert closing.closed_with == CLOSE_RESTART
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_events_arriving_within_a_round_leave_together(layer, settings):
    settings.FEED_WAKE_SECONDS_PER_SOCKET = 0.025  # two sockets: 50 ms a round
    hub = FeedHub(layer)
    sockets = [FakeSocket(), FakeSocket()]
    for socket in sockets:
        await connect(hub, socket)
    await layer.inbox.put(event(1))  # after a quiet spell: at once
    await settle()
    assert all(s.frames == ["<div id='e1'>"] for s in sockets)

    for event_id in (2, 3, 4):  # within the round: held, then together
        await layer.inbox.put(event(event_id))
        await settle()
    assert all(s.frames == ["<div id='e1'>"] for s in sockets)
    await asyncio.sleep(0.08)
    joined = "<div id='e2'><div id='e3'><div id='e4'>"
    assert all(s.frames == ["<div id='e1'>", joined] for s in sockets)
    for socket in sockets:
        await hub.leave(socket)
