"""What one socket's bad request, or a stalled store, may cost the others: with
a fake transport that refuses names as Channels does, and a presence store whose
read ignores its cancel as redis-py sometimes does. No database."""

import asyncio

import pytest
from channels.layers import BaseChannelLayer

from live.hub import Hub, TooManySockets
from live.presence import MemoryStore, Present
from live.protocol import Snapshot
from live.streams import Stream
from live.topics import TopicRefused

from .test_hub import CHAT, ROOM, FakeLayer, FakeSocket, connect, event, until
from .test_presence import READERS
from .test_presence import ROOM as READING_ROOM


class StrictLayer(FakeLayer):
    """Refuses group names as Channels' layers do, plus any a test names (a
    layer with rules of its own), and counts re-joins."""

    def __init__(self, refused=()):
        super().__init__()
        self.refused = set(refused)
        self.adds = 0

    async def group_add(self, group, channel):
        BaseChannelLayer().require_valid_group_name(group)
        if group in self.refused:
            raise TypeError(f"refused: {group}")
        self.adds += 1
        await super().group_add(group, channel)


@pytest.fixture
def quick(settings):
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    settings.LIVE_REJOIN_SECONDS = 0.01


async def rejoins(layer, count):
    """Until the hub has re-joined its groups ``count`` more times."""
    start = layer.adds
    await until(lambda: layer.adds >= start + count)


@pytest.mark.parametrize(
    "hostile", ["catalog.product." + "9" * 84, "room two", "caf\u00e9", ""]
)
async def test_a_topic_the_transport_would_refuse_fails_its_socket_alone(
    quick, hostile
):
    layer = StrictLayer()
    hub = Hub(layer)
    fine = FakeSocket()
    await connect(hub, fine)
    for _ in range(3):  # sockets come and go
        with pytest.raises(TopicRefused):
            await connect(hub, FakeSocket(), topics=(ROOM, hostile))
    assert set(hub.topics) == {ROOM}
    await rejoins(layer, 20)
    assert fine.closed_with is None and not hub.transport_lost
    await hub.leave(fine)


async def test_a_name_only_this_transport_refuses_fails_its_socket_alone(quick):
    layer = StrictLayer(refused={"room-2"})
    hub = Hub(layer)
    fine = FakeSocket()
    await connect(hub, fine)
    with pytest.raises(TopicRefused):
        await connect(hub, FakeSocket(), topics=("room-2",))
    assert "room-2" not in hub.topics
    await rejoins(layer, 10)
    assert fine.closed_with is None and not hub.transport_lost
    await hub.leave(fine)


async def test_too_many_topics_for_one_socket_are_refused(quick, settings):
    settings.LIVE_MAX_TOPICS_PER_SOCKET = 3
    hub = Hub(StrictLayer())
    with pytest.raises(TopicRefused):
        await connect(hub, FakeSocket(), topics=("a", "b", "c", "d"))
    assert hub.topics == {} and hub.channel is None


async def test_anonymous_sockets_past_the_cap_are_refused(quick, settings):
    settings.LIVE_ANONYMOUS_SOCKETS_PER_PROCESS = 2
    hub = Hub(FakeLayer())
    sockets = [FakeSocket() for _ in range(3)]

    async def join(socket, anonymous):
        return await hub.join(
            socket, socket.send, socket.close, [(CHAT, ROOM)], anonymous=anonymous
        )

    await join(sockets[0], True)
    await join(sockets[1], True)
    with pytest.raises(TooManySockets):
        await join(sockets[2], True)
    staff = FakeSocket()
    await join(staff, False)  # signed in: not counted
    await hub.leave(sockets[0])
    await join(sockets[2], True)  # a place came free
    for socket in (sockets[1], sockets[2], staff):
        await hub.leave(socket)


class StallingStore(MemoryStore):
    """A store whose next beat (the presence loop's), once ``stall`` is set,
    blocks and ignores its cancel until the test releases it, like a redis-py
    read now and then."""

    def __init__(self):
        super().__init__()
        self.stall = False
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()

    async def beat(self, topic, members, ttl):
        if self.stall:
            self.stall = False
            self.stalled.set()
            while not self.release.is_set():
                try:
                    await self.release.wait()
                except asyncio.CancelledError:
                    continue  # ignored
        await super().beat(topic, members, ttl)


async def test_a_new_socket_gets_its_state_while_the_last_ones_task_ignores_its_cancel(
    quick, settings
):
    """The hub used to wait, under its lock, for its cancelled presence loop:
    every new socket of the process waited with it (up to the 10 s daphne gives
    a closing handler). A generous deadline, far under that stall."""
    settings.LIVE_PRESENCE_BEAT_SECONDS = 0.01
    settings.LIVE_IO_TIMEOUT_SECONDS = 60  # the fix may not lean on a timeout
    store = StallingStore()
    hub = Hub(FakeLayer(), presence_store=store)
    ann = FakeSocket()
    await hub.join(
        ann,
        ann.send,
        ann.close,
        [(READERS, READING_ROOM)],
        {READING_ROOM: Present(1, "Ann", "reading")},
    )
    store.stall = True
    await asyncio.wait_for(store.stalled.wait(), 5)  # the loop's beat hangs
    leaving = asyncio.create_task(hub.leave(ann))  # the process's last socket
    await until(lambda: hub.channel is None)  # it is ending the subscription

    bob = FakeSocket()
    try:
        async with asyncio.timeout(5):
            await hub.join(
                bob,
                bob.send,
                bob.close,
                [(READERS, READING_ROOM)],
                {READING_ROOM: Present(2, "Bob", "reading")},
            )
            state = await hub.current_state(READING_ROOM)
        assert "Bob" in state.html
    finally:
        store.release.set()
        await asyncio.wait({leaving}, timeout=5)
        if bob in hub.outboxes:
            await hub.leave(bob)


# Staff first ----------------------------------------------------------------

STAFF = Stream(
    name="staff",
    topics=lambda scope: ("staff-room",),
    may_join=lambda user: user.is_staff,
    current_state=lambda topic: Snapshot(html=""),
)


async def test_a_crowd_of_public_sockets_never_delays_the_staffs(settings):
    """Senders are woken once per round of sending; the staff's round counts
    the staff's sockets only. Fifty public sockets make a round of half a
    second; the staff's is a hundredth."""
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0.01
    layer = FakeLayer()
    hub = Hub(layer)
    public = [FakeSocket() for _ in range(50)]
    for socket in public:
        await connect(hub, socket)
    staff = FakeSocket()
    await connect(hub, staff, stream=STAFF, topics=("staff-room",))

    await layer.inbox.put(event(1))
    await layer.inbox.put(event(1, topic="staff-room"))
    await until(lambda: staff.frames and all(s.frames for s in public))
    await layer.inbox.put(event(2))  # within both rounds: each waits for its own
    await layer.inbox.put(event(2, topic="staff-room"))

    await until(lambda: len(staff.frames) == 2)
    assert all(len(s.frames) == 1 for s in public)  # still in their round
    await until(lambda: all(len(s.frames) == 2 for s in public))
    for socket in (*public, staff):
        await hub.leave(socket)
