"""The per-process hub, with a fake transport, fake sockets and toy streams that
have nothing to do with products. No database."""

import asyncio
from functools import partial

import pytest
from django.conf import settings

from live.hub import Hub
from live.protocol import (
    CLOSE_RESTART,
    CLOSE_TOO_SLOW,
    CONTROL_GROUP,
    MAX_FRAME_BYTES,
    Snapshot,
    event_message,
    summary_message,
)
from live.streams import Missed, Stream, everyone

# A chat room per topic: its state is empty, its events come from the tests.
ROOM = "room-1"
CHAT = Stream(
    name="chat",
    topics=lambda scope: (scope["room"],),
    may_join=everyone,
    current_state=lambda topic: Snapshot(html=""),
)


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

    async def group_send(self, group, message):
        if self.groups.get(group):
            await self.inbox.put(message)

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


def event(event_id, topic=ROOM):
    return event_message(topic, event_id, f"<div id='e{event_id}'>")


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


async def until(condition, seconds=5.0):
    """Wait, looking every few ms, until ``condition()`` holds (TimeoutError
    past the deadline, which only a broken hub reaches)."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.fixture
def layer():
    return FakeLayer()


@pytest.fixture
async def hub(layer, settings):
    """Senders woken at every event: each test here steps the loop itself
    (waking once per round, under load, has its own test)."""
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    hub = Hub(layer)
    yield hub
    if hub.channel is not None:  # a test that left sockets behind
        await hub.unsubscribe()


async def join(hub, socket, send=None, stream=CHAT, topics=(ROOM,)):
    send = send or socket.send
    return await hub.join(socket, send, socket.close, [(stream, t) for t in topics])


async def connect(hub, socket, already_sent=(), **subscription):
    outbox = await join(hub, socket, **subscription)
    outbox.start(started(already_sent))
    return outbox


def started(already_sent, topic=ROOM):
    return {topic: Snapshot(html="", ids=frozenset(already_sent))}


async def test_the_hub_subscribes_once_and_leaves_with_the_last_socket(hub, layer):
    first, second = FakeSocket(), FakeSocket()
    await connect(hub, first)
    await connect(hub, second)
    assert len(layer.groups[ROOM]) == 1
    await hub.leave(first)
    assert len(layer.groups[ROOM]) == 1
    await hub.leave(second)
    assert layer.groups[ROOM] == set()
    assert layer.groups[CONTROL_GROUP] == set()


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
    outbox = await join(hub, socket)
    await layer.inbox.put(event(7))
    await settle()
    assert socket.frames == []
    outbox.start(started(()))
    await settle()
    assert socket.frames == ["<div id='e7'>"]
    await hub.leave(socket)


async def test_a_stuck_socket_is_closed_as_too_slow_and_holds_nobody_back(hub, layer):
    stuck, healthy = FakeSocket(stuck=True), FakeSocket()
    await connect(hub, stuck)
    await connect(hub, healthy)
    for event_id in range(settings.LIVE_OUTBOX_FRAMES + 5):
        await layer.inbox.put(event(event_id))
        await settle()
    assert stuck.closed_with == CLOSE_TOO_SLOW
    assert len(healthy.frames) == settings.LIVE_OUTBOX_FRAMES + 5
    assert healthy.closed_with is None
    await hub.leave(healthy)


async def test_a_lost_transport_makes_every_socket_resume(hub, layer, settings):
    settings.LIVE_REJOIN_SECONDS = 0.01
    sockets = [FakeSocket(), FakeSocket()]
    for socket in sockets:
        await connect(hub, socket)
    channel = hub.channel
    await layer.inbox.put("break")
    layer.groups.clear()  # Redis came back empty
    await until(lambda: all(s.closed_with for s in sockets))
    assert layer.groups[ROOM] == {channel}
    assert layer.groups[CONTROL_GROUP] == {channel}
    assert [s.closed_with for s in sockets] == [CLOSE_RESTART, CLOSE_RESTART]
    assert hub.outboxes == {}


class Database:
    """The events a toy stream's database holds: ``missed`` returns those the
    hub has not seen."""

    def __init__(self, latest_id=0):
        self.latest = latest_id
        self.events = {}
        self.looked_after = []  # after_id of each look, in order

    def latest_id(self, topic):
        return self.latest

    def missed(self, topic, after_id, seen):
        self.looked_after.append(after_id)
        ids = sorted(i for i in self.events if i > after_id)
        missed = [(i, self.events[i]) for i in ids if i not in seen]
        return Missed(missed, max(ids, default=after_id))


async def test_events_no_push_brought_are_caught_up_once(layer, settings):
    settings.LIVE_CATCHUP_SECONDS = 0.01
    database = Database(latest_id=10)
    recorded = Stream(
        name="recorded",
        topics=CHAT.topics,
        may_join=everyone,
        current_state=CHAT.current_state,
        latest_id=database.latest_id,
        missed=database.missed,
    )
    hub = Hub(layer)
    socket = FakeSocket()
    await connect(hub, socket, stream=recorded)
    database.events = {9: "<old>", 11: "<pushed>", 12: "<missed>"}
    await layer.inbox.put(event_message(ROOM, 11, "<pushed>"))
    await until(lambda: "<pushed>" in socket.frames)
    await layer.inbox.put(event_message(ROOM, 12, "<missed>"))
    # Both paths have brought 12: the push is read, and a look started after
    # the one that found it.
    await until(lambda: layer.inbox.empty() and 12 in database.looked_after)
    await settle()
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
    await layer.inbox.put(event_message(ROOM, 1, "refused"))
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
    settings.LIVE_MAX_UNSENT_BYTES = 10_000
    stalled = FakeSocket()
    send = partial(DaphneLikeServer().handle_reply, Protocol())
    await join(hub, stalled, send=send)
    hub.outboxes[stalled].start(started(()))
    healthy = FakeSocket()
    await connect(hub, healthy)
    for event_id in range(1, 11):
        html = f"<div id='e{event_id}'>{'x' * 2000}</div>"
        await layer.inbox.put(event_message(ROOM, event_id, html))
        await settle()
    assert stalled.closed_with == CLOSE_TOO_SLOW
    assert stalled not in hub.outboxes
    assert len(healthy.frames) == 10
    await hub.leave(healthy)


async def test_frames_waiting_together_are_joined_up_to_the_frame_bound(hub, layer):
    socket = FakeSocket()
    outbox = await join(hub, socket)
    big = "x" * (MAX_FRAME_BYTES // 2 - 100)
    for event_id in range(1, 4):
        html = f"<div id='e{event_id}'>{big}</div>"
        await layer.inbox.put(event_message(ROOM, event_id, html))
    await settle()
    outbox.start(started({1}))  # the state showed the first
    await settle()
    assert [frame.count("<div id=") for frame in socket.frames] == [2]
    assert all(len(frame.encode()) <= MAX_FRAME_BYTES for frame in socket.frames)

    for event_id in (4, 5, 6):
        await layer.inbox.put(event_message(ROOM, event_id, big))
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
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0.025  # two sockets: 50 ms a round
    hub = Hub(layer)
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
    await until(lambda: all(len(s.frames) == 2 for s in sockets))
    joined = "<div id='e2'><div id='e3'><div id='e4'>"
    assert all(s.frames == ["<div id='e1'>", joined] for s in sockets)
    for socket in sockets:
        await hub.leave(socket)


# Several streams and topics on one hub ----------------------------------------

# A second toy stream: a scoreboard whose summary replaces the page's.
SCORES = Stream(
    name="scores",
    topics=lambda scope: ("scores",),
    may_join=everyone,
    current_state=lambda topic: Snapshot(html=""),
)


async def test_each_event_reaches_only_the_sockets_of_its_topic(hub, layer):
    in_room_1, in_room_2, in_both = FakeSocket(), FakeSocket(), FakeSocket()
    await connect(hub, in_room_1)
    await connect(hub, in_room_2, topics=("room-2",))
    outbox = await join(hub, in_both, topics=(ROOM, "room-2"))
    outbox.start({})
    assert set(layer.groups) >= {ROOM, "room-2"}
    await layer.inbox.put(event(1, topic=ROOM))
    await settle()
    await layer.inbox.put(event(2, topic="room-2"))
    await settle()
    await layer.inbox.put(event(3, topic="room-3"))  # nobody here carries it
    await settle()
    assert in_room_1.frames == ["<div id='e1'>"]
    assert in_room_2.frames == ["<div id='e2'>"]
    assert in_both.frames == ["<div id='e1'>", "<div id='e2'>"]
    await hub.leave(in_room_2)
    assert layer.groups["room-2"] == {hub.channel}  # in_both still carries it
    await hub.leave(in_both)
    assert layer.groups["room-2"] == set()
    assert "room-2" not in hub.topics
    await hub.leave(in_room_1)


async def test_the_same_id_on_two_topics_is_two_events(hub, layer):
    """Ids are deduplicated per topic: streams number their events apart."""
    chat, scores = FakeSocket(), FakeSocket()
    await connect(hub, chat)
    outbox = await join(hub, scores, stream=SCORES, topics=("scores",))
    outbox.start({})
    for message in (
        event(5),
        event_message("scores", 5, "<div id='s5'>"),
        event(5),  # pushed twice, or pushed and caught up
    ):
        await layer.inbox.put(message)
        await settle()
    assert chat.frames == ["<div id='e5'>"]
    assert scores.frames == ["<div id='s5'>"]
    await hub.leave(chat)
    await hub.leave(scores)


async def test_a_summary_replaces_older_ones_and_skips_what_the_state_showed(
    hub, layer
):
    socket = FakeSocket()
    outbox = await join(hub, socket, stream=SCORES, topics=("scores",))
    for as_of in (3, 2, 4):  # 2 arrives late from another process: dropped
        await layer.inbox.put(summary_message("scores", as_of, f"<b id='s'>{as_of}"))
        await settle()
    outbox.start({"scores": Snapshot(html="", as_of=3)})  # the state had 3
    await settle()
    assert socket.frames == ["<b id='s'>4"]
    await hub.leave(socket)


async def test_states_are_rendered_once_per_topic_and_event(hub, layer):
    renders = []

    def state(topic):
        renders.append(topic)
        return Snapshot(html=f"<div id='{topic}'>")

    counted = Stream(
        name="counted", topics=CHAT.topics, may_join=everyone, current_state=state
    )
    sockets = [FakeSocket() for _ in range(4)]
    for number, socket in enumerate(sockets):
        await join(hub, socket, stream=counted, topics=(f"room-{number % 2}",))
    states = await asyncio.gather(
        *(hub.current_state(f"room-{number % 2}") for number in range(4))
    )
    assert sorted(renders) == ["room-0", "room-1"]
    assert [s.html for s in states] == ["<div id='room-0'>", "<div id='room-1'>"] * 2
    await layer.inbox.put(event(1, topic="room-0"))
    await settle()
    await hub.current_state("room-0")
    await hub.current_state("room-1")
    assert sorted(renders) == ["room-0", "room-0", "room-1"]
    for socket in sockets:
        await hub.leave(socket)
