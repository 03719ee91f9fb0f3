"""One hub per process: one subscription per topic in use, many sockets.

Stock Channels delivery costs one channel, one dispatch and one thread hop per
socket per event. The hub instead receives each event once (its one channel is a
member of each topic's group on the channel layer: Redis across processes, or
the in-memory layer within one) and puts the same prebuilt frame into the
bounded outbox of every local socket subscribed to that topic. It never renders
and never queries for a live event.

Consumers check their socket (Origin, each stream's ``may_join``) and join the
hub only after it. The hub then closes each socket whose session ends or whose
user stops passing the check (``revalidation``), heals each topic from the
database (``Stream.missed``), and re-joins its groups after the transport
fails, resyncing its sockets.
"""

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Optional

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer

from . import metrics, transport
from .conf import live_setting
from .outbox import Entry, Outbox, SentIds, entry
from .presence import Presence, Present, Store, store_for
from .protocol import (
    CLOSE_NOT_ALLOWED,
    CLOSE_RESTART,
    CLOSE_TOO_SLOW,
    CONTROL_GROUP,
    EVENT,
    PRESENCE,
    RECHECK,
    SUMMARY,
    Message,
    Send,
    Snapshot,
    SocketKey,
    point_marker,
)
from .revalidation import Revalidator
from .streams import Stream
from .topics import TopicRefused, check_topics
from .validity import Credentials
from .waits import bounded, settled

logger = logging.getLogger(__name__)

# Closes one socket with a close code (the consumer's).
Closer = Callable[[int], Awaitable[None]]
# A topic taken out of the registry, with its catch-up task (``drop_group``).
Dropped = tuple[str, Optional["asyncio.Task[None]"]]
# An ended subscription's channel, tasks and presence (``end_subscription``).
Ended = tuple[str, tuple["asyncio.Task[None]", ...], Presence]


class Topic:
    """What a hub keeps for one topic in use: its sockets, the ids it passed on,
    and its current state, rendered once and shared until the topic publishes
    something new (each publish, and each (re)join of the group, bumps the
    generation)."""

    def __init__(self, stream: Stream, name: str) -> None:
        self.stream = stream
        self.name = name
        self.outboxes: dict[SocketKey, Outbox] = {}
        self.seen = SentIds()
        self.generation = 0
        self.state: Optional[tuple[int, Snapshot]] = None  # (generation, Snapshot)
        # (generation, future) of the render under way
        self.state_request: Optional[tuple[int, asyncio.Future[Snapshot]]] = None
        # Resumes from a point, shared like the state: {after: (generation,
        # future)}, for the current generation only.
        self.resumes: dict[int, tuple[int, asyncio.Future[Optional[Snapshot]]]] = {}
        self.summary_as_of = 0
        # The catch-up task, for streams that have one.
        self.healing: Optional[asyncio.Task[None]] = None


class Hub:
    def __init__(
        self, layer: BaseChannelLayer, presence_store: Optional[Store] = None
    ) -> None:
        """``presence_store``: where presence is kept (``presence.store_for``
        the layer unless given)."""
        self.layer = layer
        self.presence_store = presence_store
        # While subscribed: who is on the presence topics.
        self.presence: Optional[Presence] = None
        self.topics: dict[str, Topic] = {}  # name -> Topic
        self.outboxes: dict[SocketKey, Outbox] = {}
        self.closers: dict[SocketKey, Closer] = {}
        self.subscriptions: dict[SocketKey, list[str]] = {}  # names of its topics
        self.anonymous: set[SocketKey] = set()  # sockets without a logged-in user
        self.channel: Optional[str] = None
        self.tasks: tuple[asyncio.Task[None], ...] = ()
        # Held only for bookkeeping and bounded transport calls, never while
        # waiting for a cancelled task (see ``leave``).
        self.lock = asyncio.Lock()
        # Per priority (streams.Stream.priority): its sockets, when they were
        # last woken and the wake scheduled for them.
        self.levels: dict[int, dict[SocketKey, Outbox]] = {}
        self.last_wake: dict[int, float] = {}
        self.wake_scheduled: dict[int, asyncio.TimerHandle] = {}
        # While subscribed: re-checks each socket's session and user.
        self.revalidator: Optional[Revalidator] = None
        self.transport_lost = False  # the layer failed since the groups were joined

    # Sockets ---------------------------------------------------------------

    async def join(
        self,
        key: SocketKey,
        send: Send,
        close: Closer,
        subscriptions: Sequence[tuple[Stream, str]],
        presence: Optional[Mapping[str, Present]] = None,
        **options: bool,
    ) -> Outbox:
        """Register a checked socket for ``subscriptions`` [(stream, topic)],
        shown on presence topics as ``presence`` {topic: Present}. Frames queue
        until ``Outbox.start``; the subscriptions are live before this returns,
        so a state read afterwards misses nothing.

        ``anonymous``: the socket has no logged-in user (counted against
        ``LIVE_ANONYMOUS_SOCKETS_PER_PROCESS``). Raises ``topics.TopicRefused``
        (nothing was joined: not allowed), ``TooManySockets``, or the
        transport's error (this socket alone failed; nothing else changed)."""
        anonymous = options.get("anonymous", False)
        names = [name for _stream, name in subscriptions]
        check_topics(names)  # before anything reaches the transport
        async with self.lock:
            if anonymous and len(self.anonymous) >= anonymous_limit():
                raise TooManySockets("anonymous sockets of this process")
            if self.channel is None:
                await self.subscribe()
            # Past either bound the socket is shed (closed as too slow): every
            # other socket keeps getting every event.
            outbox = Outbox(
                send,
                live_setting("LIVE_OUTBOX_FRAMES"),
                close=lambda code: self.close(key, code),
                max_unsent_bytes=live_setting("LIVE_MAX_UNSENT_BYTES"),
            )
            outbox.priority = max(stream.level for stream, _name in subscriptions)
            added: list[str] = []
            failure: Optional[Exception] = None
            dropped: list[Dropped] = []
            ended: Optional[Ended] = None
            try:
                for stream, name in subscriptions:
                    if name not in self.topics:
                        await self.add_topic(stream, name)
                        added.append(name)
            except Exception as error:
                # Only this socket fails: the topics it brought go, the others
                # (and their sockets) never notice.
                failure, channel = error, self.channel
                dropped = [self.detach_topic(name) for name in added]
                if not self.outboxes and channel is not None:
                    ended = self.detach()
            else:
                for name in names:
                    self.topics[name].outboxes[key] = outbox
                self.outboxes[key] = outbox
                self.levels.setdefault(outbox.priority, {})[key] = outbox
                self.closers[key] = close
                self.subscriptions[key] = names
                if anonymous:
                    self.anonymous.add(key)
        if failure is not None:
            for name, healing in dropped:
                await self.drop_group(name, healing, channel)
            if ended is not None:
                await self.end_subscription(*ended)
            raise failure
        # Outside the lock: the presence store is a network away, and another
        # tab of the same person arriving costs nothing.
        for name, present in (presence or {}).items():
            if key in self.outboxes and self.presence is not None:
                await self.presence.arrive(name, key, present)
        return outbox

    async def leave(self, key: SocketKey) -> None:
        """Forget a socket; after the last of a topic's sockets, leave its
        group; after the last socket, end the subscription.

        The lock is held only to take things out of the registry. Waiting for
        the cancelled tasks and the transport to finish happens after it, each
        wait bounded: redis-py sometimes ignores a cancel, and a socket closing
        meanwhile must not hold every new socket of the process waiting."""
        self.forget(key)
        async with self.lock:
            channel = self.channel
            dropped = [
                self.detach_topic(name)
                for name, topic in list(self.topics.items())
                if not topic.outboxes
            ]
            ended = self.detach() if not self.outboxes and channel else None
        for name, healing in dropped:
            await self.drop_group(name, healing, channel)
        if ended is not None:
            await self.end_subscription(*ended)

    def forget(self, key: SocketKey) -> None:
        outbox = self.outboxes.pop(key, None)
        self.closers.pop(key, None)
        self.anonymous.discard(key)
        for level in self.levels.values():
            level.pop(key, None)
        for name in self.subscriptions.pop(key, ()):
            topic = self.topics.get(name)
            if topic is not None:
                topic.outboxes.pop(key, None)
                if topic.stream.presence is not None and self.presence is not None:
                    self.presence.depart(name, key)
        if outbox is not None:
            outbox.stop()

    def close(self, key: SocketKey, code: int) -> None:
        close = self.closers.get(key)
        self.forget(key)
        if close is not None:
            asyncio.ensure_future(close(code))

    def close_all(self, code: int) -> None:
        for key in list(self.outboxes):
            self.close(key, code)

    def close_topic(self, name: str, code: int) -> None:
        topic = self.topics.get(name)
        for key in list(topic.outboxes if topic is not None else ()):
            self.close(key, code)

    # Current state -------------------------------------------------------------

    async def resume(self, name: str, after: Optional[int]) -> Snapshot:
        """What topic ``name`` sends a socket whose page was rendered at event
        ``after``: the events since (``Stream.after``), or its whole state when
        the stream has no resume or the point is too old. Shared, like the
        state, by every socket asking with the same point until the topic
        publishes something new: a thousand pages rendered at the same point
        cost one query."""
        topic = self.topics[name]
        if after is None or topic.stream.after is None:
            return await self.current_state(name)
        generation = topic.generation
        if any(entry[0] != generation for entry in topic.resumes.values()):
            topic.resumes = {}
        if after not in topic.resumes:
            if len(topic.resumes) >= MAX_SHARED_RESUMES:
                topic.resumes.pop(next(iter(topic.resumes)))
            future: asyncio.Future[Optional[Snapshot]]
            future = asyncio.get_running_loop().create_future()
            topic.resumes[after] = (generation, future)
            asyncio.create_task(self.render_resume(topic, after, future))
        replay = await asyncio.shield(topic.resumes[after][1])
        if replay is None:  # too old to replay
            return await self.current_state(name)
        return replay

    async def render_resume(
        self, topic: Topic, after: int, future: "asyncio.Future[Optional[Snapshot]]"
    ) -> None:
        try:
            replay = await database_sync_to_async(topic.stream.after)(topic.name, after)
        except Exception as error:
            topic.resumes.pop(after, None)
            future.set_exception(error)
            future.exception()  # retrieved here; each waiter gets it raised
        else:
            future.set_result(replay)

    async def current_state(self, name: str) -> Snapshot:
        """The state of topic ``name`` for a socket that has joined: every event
        published before its join is either in it or still on its way to the
        outbox.

        A reconnect storm (every page reconnecting after a restart) asks for it
        hundreds of times at once: it is rendered once and shared. A render is
        shared only while the topic has published nothing since it began: an
        event published before a socket joined must be in the state it gets;
        one published after reaches its outbox.
        """
        topic = self.topics[name]
        if topic.stream.presence is not None:
            assert self.presence is not None  # a socket joined: subscribed
            return await self.presence.state(name)
        generation = topic.generation
        if topic.state is not None and topic.state[0] == generation:
            return topic.state[1]
        if topic.state_request is None or topic.state_request[0] != generation:
            future: asyncio.Future[Snapshot]
            future = asyncio.get_running_loop().create_future()
            topic.state_request = (generation, future)
            asyncio.create_task(self.render_state(topic, generation, future))
        return await asyncio.shield(topic.state_request[1])

    async def render_state(
        self, topic: Topic, generation: int, future: "asyncio.Future[Snapshot]"
    ) -> None:
        try:
            render = database_sync_to_async(topic.stream.current_state)
            snapshot = await render(topic.name)
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved here; each waiter gets it raised
        else:
            if generation == topic.generation:
                topic.state = (generation, snapshot)
            future.set_result(snapshot)
        finally:
            if topic.state_request is not None and topic.state_request[1] is future:
                topic.state_request = None

    # Transport ---------------------------------------------------------------

    async def subscribe(self) -> None:
        # The default prefix: channels-redis pops every "specific" channel of a
        # process through one shared loop per prefix.
        channel = await bounded(self.layer.new_channel(), "a new live channel")
        await bounded(
            self.layer.group_add(CONTROL_GROUP, channel), "joining the control group"
        )
        self.channel = channel
        transport.attach(asyncio.get_running_loop(), self.dispatch)
        self.revalidator = Revalidator(self, CLOSE_NOT_ALLOWED)
        store = self.presence_store or store_for(transport.in_process(self.layer))
        self.presence = Presence(self, store)
        tasks = [
            self.listen(channel),
            self.renew_membership(channel),
            self.revalidator.run(),
            self.presence.run(),
        ]
        self.tasks = tuple(asyncio.create_task(task) for task in tasks)

    async def add_topic(self, stream: Stream, name: str) -> Topic:
        topic = Topic(stream, name)
        # Read before joining: an event committed in between is either pushed to
        # us or found by the catch-up, never neither.
        latest = None
        if stream.latest_id is not None:
            latest = await database_sync_to_async(stream.latest_id)(name)
        try:
            await bounded(self.layer.group_add(name, self.channel), f"joining {name}")
        except (TypeError, ValueError) as refused:
            # A name the transport refuses (checked before, so another rule of
            # another layer): nothing to retry.
            raise TopicRefused(name) from refused
        self.topics[name] = topic
        if stream.missed is not None:
            topic.healing = asyncio.create_task(self.heal(topic, latest))
        return topic

    def detach_topic(self, name: str) -> Dropped:
        """Take topic ``name`` out of the registry (under the lock, no I/O):
        (name, its catch-up task) for ``drop_group``."""
        topic = self.topics.pop(name)
        if self.presence is not None:
            self.presence.forget(name)
        if topic.healing is not None:
            topic.healing.cancel()
        return name, topic.healing

    async def drop_group(
        self, name: str, healing: Optional["asyncio.Task[None]"], channel: Optional[str]
    ) -> None:
        """Leave the group of a topic no socket here carries any more."""
        if healing is not None:
            await settled([healing])
        if name in self.topics and self.channel == channel:
            return  # a socket brought it back meanwhile: stay in the group
        try:
            await bounded(self.layer.group_discard(name, channel), f"leaving {name}")
        except Exception:
            # A membership left behind only brings messages nobody here reads,
            # and it expires.
            logger.warning("Could not leave the group of %s", name, exc_info=True)

    def detach(self) -> Ended:
        """End the subscription's bookkeeping (under the lock, no I/O): the
        next socket subscribes afresh, whatever the old tasks still do."""
        for handle in self.wake_scheduled.values():
            handle.cancel()
        self.wake_scheduled = {}
        transport.detach(asyncio.get_running_loop())
        channel, self.channel = self.channel, None
        tasks, self.tasks = self.tasks, ()
        for task in tasks:
            task.cancel()
        revalidator, presence = self.revalidator, self.presence
        # Called only while subscribed, when ``subscribe`` set all three.
        assert channel is not None and revalidator is not None
        assert presence is not None
        revalidator.stop()
        self.revalidator = None
        self.presence = None
        presence.stop()
        return channel, tasks, presence

    async def end_subscription(
        self,
        channel: str,
        tasks: tuple["asyncio.Task[None]", ...],
        presence: Presence,
    ) -> None:
        # Let them finish, within a bound: channels-redis releases its receive
        # lock on the way out; a task that ignores its cancel is left behind
        # (its loop ends at its next turn, see ``listen``).
        await settled(tasks)
        try:
            await bounded(presence.close(), "closing the presence store")
        except Exception:
            logger.warning("Could not close the presence store", exc_info=True)
        try:
            await bounded(
                self.layer.group_discard(CONTROL_GROUP, channel),
                "leaving the control group",
            )
        except Exception:
            logger.warning("Could not leave the live control group", exc_info=True)

    async def unsubscribe(self) -> None:
        """End the subscription now, whoever is left (tests, shutdown)."""
        async with self.lock:
            channel = self.channel
            dropped = [self.detach_topic(name) for name in list(self.topics)]
            ended = self.detach() if channel is not None else None
        for name, healing in dropped:
            await self.drop_group(name, healing, channel)
        if ended is not None:
            await self.end_subscription(*ended)

    async def listen(self, channel: str) -> None:
        while self.channel == channel:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # channels-redis raises here while Redis is down, and receives
                # again once it is back, but then (empty) without our group
                # memberships: ``renew_membership`` restores them, and resyncs.
                self.lose_transport("Live transport failed")
                await asyncio.sleep(1)
                continue
            if self.channel == channel:
                self.dispatch(message)

    async def renew_membership(self, channel: str) -> None:
        """Join the groups again every few seconds. Cheap (two Redis commands a
        group), and the only way back into them after Redis restarts empty:
        nothing else tells us the membership is gone, and group messages would
        silently miss us.

        Only the transport failing (the control group too) makes every socket
        resync once it is back. A topic whose group alone is refused fails its
        own sockets, never the others."""
        while self.channel == channel:
            await asyncio.sleep(live_setting("LIVE_REJOIN_SECONDS"))
            try:
                await bounded(
                    self.layer.group_add(CONTROL_GROUP, channel), "re-joining"
                )
                for name in list(self.topics):
                    await self.rejoin(name, channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.lose_transport("Could not renew the live groups")
                continue
            if self.transport_lost and self.channel == channel:
                # Pushes and revocation hints may have been lost meanwhile: every
                # socket resumes from the current state, complete.
                logger.warning("Live transport is back; resyncing every socket")
                metrics.rejoined()
                self.transport_lost = False
                for topic in self.topics.values():
                    topic.generation += 1  # the shared state may predate the outage
                self.close_all(CLOSE_RESTART)

    async def rejoin(self, name: str, channel: str) -> None:
        try:
            await bounded(self.layer.group_add(name, channel), f"re-joining {name}")
        except (TypeError, ValueError):
            logger.exception(
                "The transport refuses topic %s; closing its sockets", name
            )
            self.close_topic(name, CLOSE_NOT_ALLOWED)

    def lose_transport(self, what: str) -> None:
        if not self.transport_lost:  # log the outage once, not every second
            logger.exception("%s; sockets resync once it is back", what)
        self.transport_lost = True

    async def heal(self, topic: Topic, after_id: Optional[int]) -> None:
        """Publish, as if pushed, the committed events of ``topic`` that no push
        brought: a push can miss a process (another process beside the
        in-memory layer, a process stopped between commit and push, a full
        channel). Only while the topic has sockets."""
        missed = database_sync_to_async(topic.stream.missed)
        while True:
            await asyncio.sleep(live_setting("LIVE_CATCHUP_SECONDS"))
            try:
                found = await missed(topic.name, after_id, frozenset(topic.seen.ids))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Could not look for missed events of %s", topic.name)
                continue
            after_id = found.latest_id
            for event_id, html in found.events:
                logger.info(
                    "Event %s of %s reached this process late", event_id, topic.name
                )
                self.publish(topic.name, event_id, html)
            if found.summary is not None:
                self.publish_summary(topic.name, *found.summary)

    # Delivery ------------------------------------------------------------------

    def dispatch(self, message: Message) -> None:
        if message["type"] == EVENT:
            self.publish(message["topic"], message["id"], message["html"])
        elif message["type"] == SUMMARY:
            self.publish_summary(message["topic"], message["as_of"], message["html"])
        elif message["type"] == RECHECK:
            self.recheck(message["user_ids"], message["session_keys"])
        elif message["type"] == PRESENCE and self.presence is not None:
            self.presence.dispatch(message)

    def publish(self, name: str, event_id: int, html: str) -> None:
        topic = self.topics.get(name)
        if topic is None or not topic.seen.add(event_id):
            return  # not carried here; or pushed and caught up, or pushed twice
        topic.generation += 1
        if topic.stream.after is not None:
            # Marked with its point: the page resumes from the newest it saw.
            html = point_marker(event_id) + html
        self.offer(topic, entry(name, event_id, False, html))

    def publish_summary(self, name: str, as_of: int, html: str) -> None:
        """A summary as of event ``as_of``; older ones than already sent are
        dropped (several processes send them, each after its own events)."""
        topic = self.topics.get(name)
        if topic is None or as_of < topic.summary_as_of:
            return
        topic.summary_as_of = as_of
        topic.generation += 1  # a cached state holds an older summary
        self.offer(topic, entry(name, as_of, True, html))

    def offer(self, topic: Topic, item: Entry) -> None:
        # One ASGI message shared by every socket: built once per event.
        for key, outbox in list(topic.outboxes.items()):
            if not outbox.offer(item):
                self.close(key, CLOSE_TOO_SLOW)
        self.wake_senders()

    def wake_senders(self) -> None:
        """Wake every socket's sender: at once after a quiet spell, else one
        round's length after the previous wake; sockets of streams that go
        first (``Stream.priority``) before the others.

        At a thousand sockets one round of sending (every socket's frame through
        daphne's write path) takes longer than events take to arrive. Woken per
        event, a socket never has two events waiting: the backlog grows in the
        channel layer instead, and each round carries one event. Woken once per
        round, the events that arrived meanwhile leave each socket as one frame.
        A round is reckoned at ``LIVE_WAKE_SECONDS_PER_SOCKET`` per socket, and
        counts for each priority only the sockets that go before or with it: a
        crowd of public sockets never delays the staff's.
        """
        loop = asyncio.get_running_loop()
        per_socket = live_setting("LIVE_WAKE_SECONDS_PER_SOCKET")
        ahead = 0
        for priority in sorted(self.levels, reverse=True):
            sockets = self.levels[priority]
            ahead += len(sockets)
            if not sockets or priority in self.wake_scheduled:
                continue
            last = self.last_wake.get(priority, float("-inf"))
            wait = last + ahead * per_socket - loop.time()
            if wait <= 0:
                self.wake_now(priority)
            else:
                self.wake_scheduled[priority] = loop.call_later(
                    wait, self.wake_now, priority
                )

    def wake_now(self, priority: int) -> None:
        self.wake_scheduled.pop(priority, None)
        self.last_wake[priority] = asyncio.get_running_loop().time()
        for outbox in list(self.levels.get(priority, {}).values()):
            outbox.wake()

    def watch(self, key: SocketKey, credentials: Credentials) -> None:
        """Remember a joined socket's user and session, to close it (4403) once
        they no longer let it join its streams."""
        if self.revalidator is not None:
            self.revalidator.watch(key, credentials)

    def recheck(self, user_ids: Sequence[int], session_keys: Sequence[str]) -> None:
        """A hint: these users or sessions changed. The database decides whether
        their sockets stay."""
        if self.revalidator is not None:
            self.revalidator.hint(user_ids, session_keys)


# Different points resumed at once on one topic that share their replays.
MAX_SHARED_RESUMES = 64


class TooManySockets(Exception):
    """Past a cap on sockets: the socket is closed with 4429."""


def anonymous_limit() -> int:
    return live_setting("LIVE_ANONYMOUS_SOCKETS_PER_PROCESS")


# One hub per event loop: daphne runs one loop per process; tests run one per test.
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = (
    weakref.WeakKeyDictionary()
)


def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub


def local_hubs() -> list[tuple[asyncio.AbstractEventLoop, Hub]]:
    """(loop, hub) of this process's hubs that have sockets."""
    return [
        (loop, hub)
        for loop, hub in list(_hubs.items())
        if hub.channel is not None and not loop.is_closed()
    ]
