"""A socket's bounded queue of frames, drained by its own task.

One slow socket fills only its own outbox; the hub never waits for it. The bound
holds in frames waiting here *and* in bytes the server still holds for the
connection (see ``backlog``): past either, the socket is closed as too slow and
resumes complete when the page reconnects.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from typing import Literal, Optional, TypedDict

from . import metrics
from .backlog import connection_closing, transport_of, unsent_bytes
from .protocol import (
    CLOSE_RESTART,
    CLOSE_TOO_SLOW,
    MAX_FRAME_BYTES,
    Send,
    Snapshot,
    frame_size,
)

logger = logging.getLogger(__name__)

# Event ids a hub remembers, to drop doubles (pushed and caught up, or redelivered).
REMEMBERED_IDS = 5000


class TextFrame(TypedDict):
    """The ASGI message of one text frame."""

    type: Literal["websocket.send"]
    text: str


# What a hub offers every outbox of a topic (see ``entry()``): topic, event id
# or summary's as_of, whether it is a summary, the frame, its size.
Entry = tuple[str, int, bool, TextFrame, int]


class SentIds:
    """A bounded set of the event ids already seen."""

    def __init__(self, limit: int = REMEMBERED_IDS) -> None:
        self.order: deque[int] = deque()
        self.ids: set[int] = set()
        self.limit = limit

    def add(self, event_id: int) -> bool:
        """Remember ``event_id``; False when it was already there."""
        if event_id in self.ids:
            return False
        self.ids.add(event_id)
        self.order.append(event_id)
        if len(self.order) > self.limit:
            self.ids.discard(self.order.popleft())
        return True


def entry(topic: str, key: int, summary: bool, text: str) -> Entry:
    """What a hub offers every outbox of a topic, built once per event: the
    topic, the event id (or a summary's ``as_of``), whether it is a summary, the
    ASGI message and its size on the wire."""
    return (
        topic,
        key,
        summary,
        {"type": "websocket.send", "text": text},
        frame_size(text),
    )


class Outbox:
    """Frames waiting for one socket. ``send`` is the socket's ASGI send.

    A deque and one waiter future rather than an ``asyncio.Queue``: this runs
    once per socket per event, and the queue's bookkeeping showed in profiles.
    """

    # The priority of its most urgent stream (set by the hub that made it).
    priority: int

    def __init__(
        self,
        send: Send,
        size: int,
        close: Callable[[int], None],
        max_unsent_bytes: int,
    ) -> None:
        """``close(code)`` closes the socket (and forgets this outbox)."""
        self.send = send
        self.size = size
        self.close = close
        self.transport = transport_of(send)
        self.max_unsent_bytes = max_unsent_bytes
        self.frames: deque[Entry] = deque()
        self.shown: dict[str, frozenset[int]] = {}  # topic -> ids its state showed
        self.shown_as_of: dict[str, int] = {}  # topic -> its state's summary's as_of
        self.waiter: Optional[asyncio.Future[None]] = None
        self.task: Optional[asyncio.Task[None]] = None
        self.stopped = False

    def offer(self, entry: Entry) -> bool:
        """Queue an ``entry`` (see ``entry()``), sent at the next ``wake()``;
        False when the outbox is full (the socket is behind)."""
        if len(self.frames) >= self.size:
            return False
        self.frames.append(entry)
        return True

    def wake(self) -> None:
        """Let the socket's task send what waits."""
        waiter = self.waiter
        if waiter is not None and self.frames and not waiter.done():
            waiter.set_result(None)

    def start(self, states: Optional[Mapping[str, Snapshot]] = None) -> None:
        """Begin sending, skipping the events the states ({topic: Snapshot})
        already showed and summaries no newer than theirs."""
        if self.stopped:  # closed by the hub meanwhile (revoked, overflowed)
            return
        # The hub never publishes an event twice; only the states can overlap.
        for topic, state in (states or {}).items():
            self.shown[topic] = state.ids
            self.shown_as_of[topic] = state.as_of
        self.task = asyncio.create_task(self.drain())

    async def drain(self) -> None:
        try:
            await self.send_forever()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # A frame the server refused (or a broken connection): a socket
            # that silently stops receiving would look connected and be stale.
            if connection_closing(error):
                logger.info("Live socket closed while sending")
            else:
                logger.exception("Live socket failed to send; closing it to resync")
            self.close(CLOSE_RESTART)

    async def send_forever(self) -> None:
        loop = asyncio.get_running_loop()
        frames = self.frames
        while True:
            # Measured before a batch, not right after one: the server writes to
            # the kernel between loop iterations, so what it still holds now is
            # what the peer did not take, not our own burst.
            if unsent_bytes(self.transport) > self.max_unsent_bytes:
                self.close(CLOSE_TOO_SLOW)
                return
            while frames:
                message = self.next_message()
                if message is not None:
                    await self.send(message)
            self.waiter = loop.create_future()
            await self.waiter
            self.waiter = None

    def next_message(self) -> Optional[TextFrame]:
        """What to send next: the one waiting frame as it is (shared by every
        socket), or, when the socket is behind, every waiting frame joined into
        one message up to the frame bound. htmx swaps each top-level element of
        a message in turn, so the page ends the same, and a busy second costs
        the server far fewer frames. None when all that waited was skipped."""
        frames, shown = self.frames, self.shown
        batch: list[TextFrame] = []
        size = 0
        while frames:
            topic, key, summary, message, length = frames[0]
            if shown and (
                key <= self.shown_as_of.get(topic, 0)
                if summary
                else key in shown.get(topic, ())
            ):
                frames.popleft()  # in the state already, or older than its own
                continue
            if batch and size + length > MAX_FRAME_BYTES:
                break
            frames.popleft()
            batch.append(message)
            size += length
        if batch:
            metrics.sent(len(batch))
        if len(batch) <= 1:
            return batch[0] if batch else None
        return {"type": "websocket.send", "text": "".join(m["text"] for m in batch)}

    def stop(self) -> None:
        self.stopped = True
        if self.task is not None:
            self.task.cancel()
            self.task = None
