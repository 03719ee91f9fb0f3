"""Who is on a topic now: heartbeats with expiry, kept by each process's hub.

A presence stream's socket shows as someone (``Stream.presence(scope)``: a
``Present``). While it is open, its process writes it to the presence store
every ``LIVE_PRESENCE_BEAT_SECONDS`` with an expiry ``LIVE_PRESENCE_TTL_SECONDS`` ahead;
a socket that closes is removed at once; a process that dies stops beating and
its entries expire. The store is Redis (a sorted set per topic, scored by
expiry) when the channel layer is, else a dict in this process.

Each process reads the store for the topics its sockets are on, at every beat
and at once when a socket arrives or leaves anywhere (a ``live.presence`` poke
through the transport), renders the list once when it changed and hands it to
its own sockets as the topic's summary. Nothing about who is here travels
between processes except through the store.
"""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Collection, Iterable
from typing import TYPE_CHECKING, NamedTuple, Optional, Protocol, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings

from .conf import live_setting
from .protocol import PRESENCE, PresenceMessage, Snapshot, SocketKey, presence_message
from .redis_clients import redis_client
from .waits import bounded, settled

if TYPE_CHECKING:
    from .hub import Hub

Result = TypeVar("Result")

logger = logging.getLogger(__name__)


class Present(NamedTuple):
    """Someone on a topic: who, and what they are doing there."""

    user_id: int
    name: str
    mode: str


class Store(Protocol):
    """Where presence is kept: members (strings) per topic, each with an
    expiry."""

    async def beat(self, topic: str, members: Iterable[str], ttl: float) -> None: ...

    async def remove(self, topic: str, members: Collection[str]) -> None: ...

    async def read(self, topic: str) -> list[str]: ...

    async def close(self) -> None: ...


class MemoryStore:
    """The store of one process (the in-memory channel layer's world)."""

    def __init__(self) -> None:
        self.topics: dict[str, dict[str, float]] = {}  # topic -> {member: expiry}

    async def beat(self, topic: str, members: Iterable[str], ttl: float) -> None:
        expiry = time.time() + ttl
        entries = self.topics.setdefault(topic, {})
        for member in members:
            entries[member] = expiry

    async def remove(self, topic: str, members: Collection[str]) -> None:
        entries = self.topics.get(topic, {})
        for member in members:
            entries.pop(member, None)

    async def read(self, topic: str) -> list[str]:
        now, entries = time.time(), self.topics.get(topic, {})
        for member in [m for m, expiry in entries.items() if expiry <= now]:
            del entries[member]
        return list(entries)

    async def close(self) -> None:
        pass


class RedisStore:
    """A sorted set per topic: members scored by when they expire. Every process
    of the site shares it; the key itself expires once nobody beats."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis_client(url)
        self.prefix = prefix

    def key(self, topic: str) -> str:
        return f"{self.prefix}:presence:{topic}"

    async def beat(self, topic: str, members: Iterable[str], ttl: float) -> None:
        key = self.key(topic)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {member: time.time() + ttl for member in members})
            pipe.expire(key, max(1, round(ttl * 2)))
            await pipe.execute()

    async def remove(self, topic: str, members: Collection[str]) -> None:
        await self.client.zrem(self.key(topic), *members)

    async def read(self, topic: str) -> list[str]:
        key, now = self.key(topic), time.time()
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zrangebyscore(key, now, "+inf")
            _, members = await pipe.execute()
        return [member.decode() for member in members]

    async def close(self) -> None:
        await self.client.aclose()


def store_for(layer_in_process: bool) -> Store:
    """Redis when the channel layer is (so every process sees every socket),
    else this process's own."""
    if layer_in_process or not getattr(settings, "REDIS_URL", None):
        return MemoryStore()
    return RedisStore(settings.REDIS_URL, settings.CHANNEL_PREFIX)


class Presence:
    """A hub's presence: its sockets' entries, their beats, the lists it shows."""

    def __init__(self, hub: "Hub", store: Store) -> None:
        self.hub = hub
        self.store = store
        # Entries of two processes never collide: each removes only its own.
        self.process = uuid.uuid4().hex
        self.members: dict[str, dict[SocketKey, str]] = {}  # topic -> key -> member
        # topic -> (entries, Snapshot) last handed to sockets
        self.shown: dict[str, tuple[tuple[Present, ...], Snapshot]] = {}
        self.version = 0  # the as_of of each list shown, rising
        self.lock = asyncio.Lock()
        self.failing = False
        self.pending: set[str] = set()  # topics a refresh is scheduled for
        # Departures still being written to the store.
        self.removals: set[asyncio.Task[None]] = set()
        self.stopped = False  # the hub's subscription ended: beat no more
        self.reads = 0  # reads of the store begun, numbered
        self.read_shown: dict[str, int] = {}  # topic -> number of the read last applied

    def member(self, present: Present) -> str:
        return json.dumps([*present, self.process])

    @staticmethod
    def decode(member: str) -> Present:
        user_id, name, mode, _process = json.loads(member)
        return Present(user_id, name, mode)

    async def arrive(self, topic: str, key: SocketKey, present: Present) -> None:
        member = self.member(present)
        members = self.members.setdefault(topic, {})
        known = member in members.values()
        members[key] = member
        if known:  # another tab of the same person here: nothing changes
            return
        await self.guarded(self.store.beat(topic, [member], ttl()))
        await self.changed(topic)

    def depart(self, topic: str, key: SocketKey) -> None:
        """A socket left (sync: the hub forgets sockets from callbacks)."""
        members = self.members.get(topic, {})
        member = members.pop(key, None)
        if member is not None and member not in members.values():
            removal = asyncio.ensure_future(self.removed(topic, member))
            self.removals.add(removal)
            removal.add_done_callback(self.removals.discard)

    async def removed(self, topic: str, member: str) -> None:
        await self.guarded(self.store.remove(topic, [member]))
        if topic in self.hub.topics:
            await self.changed(topic)
        else:  # nobody here looks any more; others do
            await self.poke(topic)

    def forget(self, topic: str) -> None:
        self.members.pop(topic, None)
        self.shown.pop(topic, None)

    async def changed(self, topic: str) -> None:
        await self.refresh(topic)
        await self.poke(topic)

    async def poke(self, topic: str) -> None:
        """Ask every process to look at ``topic`` now rather than at its next
        beat (ours included: the transport has no sender exclusion)."""
        try:
            await self.hub.layer.group_send(topic, presence_message(topic))
        except asyncio.CancelledError:
            raise
        except Exception:
            # The hub logs a lost transport; the others look at their next beat.
            logger.debug("Could not poke %s", topic, exc_info=True)

    def dispatch(self, message: PresenceMessage) -> None:
        """A poke: look soon. Pokes arriving meanwhile (a reconnect storm) share
        that one look."""
        topic = message["topic"]
        if message["type"] == PRESENCE and topic not in self.pending:
            self.pending.add(topic)
            asyncio.ensure_future(self.refresh_pending(topic))

    async def refresh_pending(self, topic: str) -> None:
        self.pending.discard(topic)
        await self.refresh(topic)

    async def state(self, topic: str) -> Snapshot:
        if topic not in self.shown:
            await self.refresh(topic)
        return self.shown[topic][1]

    async def refresh(self, topic: str) -> None:
        """Read who is on ``topic``; when it changed, render the list once and
        hand it to this process's sockets on it."""
        stream = self.hub.topics[topic].stream if topic in self.hub.topics else None
        if stream is None or self.stopped:  # an ended subscription shows nothing
            return
        # Read outside the lock: a read that hangs (the store a network away)
        # must not keep a newer one, a new socket's, waiting. Of reads that
        # overlap, only one begun after the last shown list counts.
        self.reads += 1
        read = self.reads
        members = await self.guarded(self.store.read(topic))
        async with self.lock:
            if read < self.read_shown.get(topic, 0):
                return  # a later read was shown meanwhile
            self.read_shown[topic] = read
            if members is None:  # the store failed: keep showing what we had
                if topic in self.shown:
                    return
                members = list(self.members.get(topic, {}).values())
            entries = tuple(sorted({self.decode(member) for member in members}))
            if topic in self.shown and self.shown[topic][0] == entries:
                return
            html = await database_sync_to_async(stream.render)(list(entries))
            self.version += 1
            self.shown[topic] = (entries, Snapshot(html=html, as_of=self.version))
            self.hub.publish_summary(topic, self.version, html)

    async def run(self) -> None:
        """Beat for every socket here, then look at every topic, each beat."""
        while not self.stopped:
            await asyncio.sleep(live_setting("LIVE_PRESENCE_BEAT_SECONDS"))
            if self.stopped:  # its cancel was ignored in a read: end here
                return
            for topic, members in list(self.members.items()):
                if members:
                    beat = self.store.beat(topic, set(members.values()), ttl())
                    await self.guarded(beat)
            for name, carried in list(self.hub.topics.items()):
                if carried.stream.presence is not None:
                    await self.refresh(name)

    async def guarded(self, operation: Awaitable[Result]) -> Optional[Result]:
        """The store's answer, or None while it fails (logged once per outage):
        presence is best effort, entries expire by themselves."""
        try:
            result = await bounded(operation, "the presence store")
        except asyncio.CancelledError:
            raise
        except Exception:
            if not self.failing:
                logger.exception("Presence store failed; entries expire meanwhile")
            self.failing = True
            return None
        self.failing = False
        return result

    def stop(self) -> None:
        self.stopped = True

    async def close(self) -> None:
        """After the last socket left: its departure reaches the store first."""
        await settled(self.removals)
        await self.store.close()


def ttl() -> float:
    return live_setting("LIVE_PRESENCE_TTL_SECONDS")
