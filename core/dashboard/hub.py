"""One feed hub per process: one subscription to the transport, many sockets.

Stock Channels delivery costs one channel, one dispatch and one thread hop per
socket per event. The hub instead receives each event once (as a member of the
feed group on the channel layer: Redis across processes, or the in-memory layer
within one) and puts the same prebuilt frame into every local socket's outbox.
It never renders and never queries for a live event.

Consumers check their socket (Origin, the feed check) and join the hub only
after it. The hub then closes each socket whose session ends or whose user stops
passing the check (``revalidation``), and re-joins the group after the
transport fails, resyncing its sockets.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from .catchup import DatabaseCatchUp
from .fragments import render_snapshot
from .groups import FEED_GROUP
from .outbox import Outbox, SentIds, counters_key
from .protocol import CLOSE_NOT_ALLOWED, CLOSE_RESTART, CLOSE_TOO_SLOW, frame_size
from .revalidation import Revalidator

logger = logging.getLogger(__name__)


class FeedHub:
    def __init__(self, layer, catch_up=None, render_state=None):
        """``render_state()`` (blocking, run in a thread) renders the current
        state as a ``fragments.Snapshot``."""
        self.layer = layer
        self.catch_up = catch_up
        self.render_state = render_state
        self.seen = SentIds()
        # The current state is rendered once and shared until the hub publishes
        # an event or (re)subscribes: both bump the generation.
        self.generation = 0
        self.state = None  # (generation, Snapshot)
        self.state_request = None  # (generation, future) of the render under way
        self.counters_as_of = 0
        self.outboxes = {}  # socket key -> Outbox
        self.closers = {}  # socket key -> coroutine function closing it with a code
        self.channel = None
        self.tasks = ()
        self.lock = asyncio.Lock()
        self.last_wake = float("-inf")
        self.wake_scheduled = None
        # While subscribed: re-checks each socket's session and user.
        self.revalidator = None
        self.transport_lost = False  # the layer failed since the group was joined

    # Sockets ---------------------------------------------------------------

    async def join(self, key, send, close, user_id):
        """Register a checked socket. Frames queue until ``Outbox.start``; the
        subscription is live before this returns, so a state read afterwards
        misses nothing."""
        async with self.lock:
            if self.channel is None:
                await self.subscribe()
            # Past either bound the socket is shed (closed as too slow): every
            # other socket keeps getting every event.
            outbox = Outbox(
                send,
                user_id,
                settings.FEED_OUTBOX_FRAMES,
                close=lambda code: self.close(key, code),
                max_unsent_bytes=settings.FEED_MAX_UNSENT_BYTES,
            )
            self.outboxes[key] = outbox
            self.closers[key] = close
        return outbox

    async def leave(self, key):
        self.forget(key)
        async with self.lock:
            if not self.outboxes and self.channel is not None:
                await self.unsubscribe()

    def forget(self, key):
        outbox = self.outboxes.pop(key, None)
        self.closers.pop(key, None)
        if outbox is not None:
            outbox.stop()

    def close(self, key, code):
        close = self.closers.get(key)
        self.forget(key)
        if close is not None:
            asyncio.ensure_future(close(code))

    # Current state -------------------------------------------------------------

    async def current_state(self):
        """The state for a socket that has joined: every event committed before
        its join is either in it or still on its way to the outbox.

        A reconnect storm (every page reconnecting after a restart) asks for it
        hundreds of times at once: it is rendered once and shared. A render is
        shared only while the hub has published nothing since it began: an
        event published before a socket joined must be in the state it gets;
        one published after reaches its outbox.
        """
        generation = self.generation
        if self.state is not None and self.state[0] == generation:
            return self.state[1]
        if self.state_request is None or self.state_request[0] != generation:
            future = asyncio.get_running_loop().create_future()
            self.state_request = (generation, future)
            asyncio.create_task(self.render_current_state(generation, future))
        return await asyncio.shield(self.state_request[1])

    async def render_current_state(self, generation, future):
        try:
            snapshot = await database_sync_to_async(self.render_state)()
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved here; each waiter gets it raised
        else:
            if generation == self.generation:
                self.state = (generation, snapshot)
            future.set_result(snapshot)
        finally:
            if self.state_request is not None and self.state_request[1] is future:
                self.state_request = None

    # Transport ---------------------------------------------------------------

    async def subscribe(self):
        self.generation += 1  # events before now were not heard: render anew
        # Read before joining: an event committed in between is either pushed to
        # us or found by the catch-up, never neither.
        latest = await self.catch_up.latest_id() if self.catch_up else None
        # The default prefix: channels-redis pops every "specific" channel of a
        # process through one shared loop per prefix, and the consumers use it.
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(FEED_GROUP, self.channel)
        self.revalidator = Revalidator(self, CLOSE_NOT_ALLOWED)
        tasks = [self.listen(), self.renew_membership(), self.revalidator.run()]
        if self.catch_up is not None:
            tasks.append(self.heal(latest))
        self.tasks = tuple(asyncio.create_task(task) for task in tasks)

    async def unsubscribe(self):
        if self.wake_scheduled is not None:
            self.wake_scheduled.cancel()
            self.wake_scheduled = None
        channel, self.channel = self.channel, None
        tasks, self.tasks = self.tasks, ()
        for task in tasks:
            task.cancel()
        # Let them finish: channels-redis releases its receive lock on the way
        # out, and a receive abandoned mid-way blocks every later one.
        await asyncio.gather(*tasks, return_exceptions=True)
        self.revalidator.stop()
        self.revalidator = None
        try:
            await self.layer.group_discard(FEED_GROUP, channel)
        except Exception:
            logger.warning("Could not leave the feed group", exc_info=True)

    async def listen(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # channels-redis raises here while Redis is down, and receives
                # again once it is back, but then (empty) without our group
                # membership: ``renew_membership`` restores that, and resyncs.
                self.lose_transport("Feed transport failed")
                await asyncio.sleep(1)
                continue
            self.dispatch(message)

    async def renew_membership(self):
        """Join the group again every few seconds. Cheap (two Redis commands), and
        the only way back into it after Redis restarts empty: nothing else tells
        us the membership is gone, and group messages would silently miss us."""
        while True:
            await asyncio.sleep(settings.FEED_REJOIN_SECONDS)
            try:
                await self.layer.group_add(FEED_GROUP, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.lose_transport("Could not renew the feed group")
                continue
            if self.transport_lost:
                # Pushes and revocation hints may have been lost meanwhile: every
                # socket resumes from the current state, complete.
                logger.warning("Feed transport is back; resyncing every socket")
                self.transport_lost = False
                self.generation += 1  # the shared state may predate the outage
                self.close_all(CLOSE_RESTART)

    def lose_transport(self, what):
        if not self.transport_lost:  # log the outage once, not every second
            logger.exception("%s; sockets resync once it is back", what)
        self.transport_lost = True

    async def heal(self, after_id):
        while True:
            await asyncio.sleep(self.catch_up.interval)
            try:
                missed, after_id, counters = await self.catch_up.missed(
                    after_id, frozenset(self.seen.ids)
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Could not look for missed feed events")
                continue
            for event_id, html in missed:
                logger.info("Feed event %s reached this process late", event_id)
                self.publish(event_id, html)
            if counters is not None:
                self.publish_counters(*counters)

    # Delivery ------------------------------------------------------------------

    def dispatch(self, message):
        if message["type"] == "feed.event":
            self.publish(message["id"], message["html"])
        elif message["type"] == "feed.counters":
            self.publish_counters(message["as_of"], message["html"])
        elif message["type"] == "feed.revoke":
            self.revoke(message["user_ids"], message["session_keys"])

    def publish(self, event_id, html):
        if not self.seen.add(event_id):
            return  # pushed and caught up, or pushed twice
        self.generation += 1
        # One ASGI message shared by every socket: built once per event.
        frame = {"type": "websocket.send", "text": html}
        size = frame_size(html)
        for key, outbox in list(self.outboxes.items()):
            if not outbox.offer(event_id, frame, size):
                self.close(key, CLOSE_TOO_SLOW)
        self.wake_senders()

    def publish_counters(self, as_of, html):
        """Counters as of event ``as_of``; older ones than already sent are
        dropped (several processes send them, each after its own events)."""
        if as_of < self.counters_as_of:
            return
        self.counters_as_of = as_of
        self.generation += 1  # a cached state holds older counters
        frame = {"type": "websocket.send", "text": html}
        size = frame_size(html)
        for key, outbox in list(self.outboxes.items()):
            if not outbox.offer(counters_key(as_of), frame, size):
                self.close(key, CLOSE_TOO_SLOW)
        self.wake_senders()

    def wake_senders(self):
        """Wake every socket's sender: at once after a quiet spell, else one
        round's length after the previous wake.

        At a thousand sockets one round of sending (every socket's frame through
        daphne's write path) takes longer than events take to arrive. Woken per
        event, a socket never has two events waiting: the backlog grows in the
        channel layer instead, and each round carries one event. Woken once per
        round, the events that arrived meanwhile leave each socket as one frame.
        A round is reckoned at ``FEED_WAKE_SECONDS_PER_SOCKET`` per socket.
        """
        if self.wake_scheduled is not None:
            return
        loop = asyncio.get_running_loop()
        round_seconds = len(self.outboxes) * settings.FEED_WAKE_SECONDS_PER_SOCKET
        wait = self.last_wake + round_seconds - loop.time()
        if wait <= 0:
            self.wake_now()
        else:
            self.wake_scheduled = loop.call_later(wait, self.wake_now)

    def wake_now(self):
        self.wake_scheduled = None
        self.last_wake = asyncio.get_running_loop().time()
        for outbox in list(self.outboxes.values()):
            outbox.wake()

    def watch(self, key, credentials):
        """Remember a joined socket's user and session, to close it (4403) once
        they no longer let it watch the feed."""
        if self.revalidator is not None:
            self.revalidator.watch(key, credentials)

    def revoke(self, user_ids, session_keys):
        """A hint: these users or sessions changed. The database decides whether
        their sockets stay."""
        if self.revalidator is not None:
            self.revalidator.hint(user_ids, session_keys)

    def close_all(self, code):
        for key in list(self.outboxes):
            self.close(key, code)


# One hub per event loop: daphne runs one loop per process; tests run one per test.
_hubs = weakref.WeakKeyDictionary()


def get_hub():
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = FeedHub(
            get_channel_layer(), DatabaseCatchUp(), render_state=render_snapshot
        )
    return hub


def local_hubs():
    """(loop, hub) of this process's hubs that have sockets, for the in-memory
    layer, which has no transport between threads."""
    return [
        (loop, hub)
        for loop, hub in list(_hubs.items())
        if hub.channel is not None and not loop.is_closed()
    ]
