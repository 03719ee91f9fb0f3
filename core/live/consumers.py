"""One consumer for every live URL, parameterised by its streams:
``LiveConsumer.as_asgi(streams=[FEED])``. Accept, check, subscribe, send each
topic's current state, then let the process's hub stream.

The Origin was checked before this runs (``core.origins``).
"""

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Optional
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django import forms
from django.core.exceptions import ValidationError

from . import metrics
from .hub import Hub, TooManySockets, get_hub
from .protocol import (
    AFTER_PARAMETER,
    CLOSE_NOT_ALLOWED,
    CLOSE_RESTART,
    CLOSE_TOO_MANY,
    MAX_FRAME_BYTES,
    RESUMED,
    ASGIMessage,
    Scope,
    Snapshot,
    frame_size,
)
from .streams import Stream
from .topics import TopicRefused
from .validity import Credentials

if TYPE_CHECKING:
    from .streams import User

logger = logging.getLogger(__name__)


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel of its own (an alias naming no layer gives none): the hub is
    # the process's one subscriber and receives for every socket. A channel per
    # socket cost a layer receive each, and while Redis was down every one of
    # them raised and killed its socket with 1011.
    channel_layer_alias = None
    hub: Optional[Hub] = None
    counted: tuple[str, ...] = ()  # streams it is counted under (live.metrics)

    def __init__(
        self, *args: object, streams: Iterable[Stream] = (), **kwargs: object
    ) -> None:
        """``streams``: what a socket of this URL subscribes to (Channels'
        ``as_asgi`` passes its keyword arguments here, per socket)."""
        super().__init__(*args, **kwargs)
        self.streams = tuple(streams)

    async def dispatch(self, message: ASGIMessage) -> None:
        """Channels runs ``close_old_connections`` in the database thread before
        every handler. Nothing here touches the ORM on the event loop, and the
        database work (through ``database_sync_to_async``) closes old connections
        itself; the extra hop per message only queued every socket of a reconnect
        storm behind one another."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def may_join(self, user: "User") -> bool:
        """Blocking (``has_perm`` queries): every stream lets ``user`` in."""
        return all(stream.may_join(user) for stream in self.streams)

    async def connect(self) -> None:
        # Accept first, then close with our own code: a refusal before accept()
        # reaches the browser as 1006, which the ws extension retries forever.
        await self.accept()
        user = self.scope.get("user")
        subscriptions = [
            pair for stream in self.streams for pair in stream.subscriptions(self.scope)
        ]
        if not subscriptions or not await database_sync_to_async(self.may_join)(user):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        # Join before reading the states: whatever commits after the read reaches
        # the outbox, and what both paths carry is sent once.
        self.hub = get_hub()
        self.counted = metrics.socket_opened(subscriptions)
        send = self.scope.get("server_send", self.base_send)
        presence = {
            topic: stream.presence(self.scope)
            for stream, topic in subscriptions
            if stream.presence is not None
        }
        anonymous = user is None or not user.is_authenticated
        try:
            outbox = await self.hub.join(
                self,
                send,
                self.close_with,
                subscriptions,
                presence,
                anonymous=anonymous,
            )
        except Exception as error:
            self.hub = None  # nothing was joined
            await self.close(code=refusal_code(error))
            return
        session = self.scope.get("session")
        # Only streams whose sockets live on their session are re-checked (a
        # public stream's socket outlives its visitor's logout).
        checks = tuple(
            stream.may_join for stream in self.streams if stream.revoked_by_logout
        )
        if checks and not anonymous and session is not None:
            # The hub closes the socket once this session or user no longer passes.
            self.hub.watch(self, Credentials(user.pk, session.session_key, checks))
        # A page rendered at a point gets only what happened after it.
        after = resume_point(self.scope)
        states: dict[str, Snapshot] = {}
        for _stream, topic in subscriptions:
            states[topic] = await self.hub.resume(topic, after)
        parts = [state.html for state in states.values()]
        if after is not None:
            parts.insert(0, RESUMED)
        for frame in frames(parts):
            await self.send(text_data=frame)
        outbox.start(states)

    async def close_with(self, code: int) -> None:
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.hub is not None:
            metrics.socket_closed(self.counted)
            await self.hub.leave(self)

    async def receive(
        self, text_data: Optional[str] = None, bytes_data: Optional[bytes] = None
    ) -> None:
        """Live sockets are one-way; anything a client sends is ignored."""


# A point of the change log: an event id (a BigAutoField's range).
POINT_FIELD = forms.IntegerField(min_value=1, max_value=2**63 - 1)


def resume_point(scope: Scope) -> Optional[int]:
    """The point the socket's page was rendered at (``?after=<id>``), or None
    (no point, or not a valid one: the whole state is sent)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get(AFTER_PARAMETER, [])
    if len(values) != 1:
        return None
    try:
        point: int = POINT_FIELD.clean(values[0])
        return point
    except ValidationError:
        return None


def refusal_code(error: Exception) -> int:
    """The close code of a socket the hub would not take: not allowed (its
    topics), too many, or the transport failed (retry)."""
    if isinstance(error, TopicRefused):
        return CLOSE_NOT_ALLOWED
    if isinstance(error, TooManySockets):
        return CLOSE_TOO_MANY
    logger.warning("A live socket could not join", exc_info=error)
    return CLOSE_RESTART


def frames(parts: Iterable[str]) -> Iterator[str]:
    """The topics' states as few messages as the frame bound allows: one, as a
    rule (each state is bounded; htmx swaps each top-level element)."""
    frame: list[str]
    frame, size = [], 0
    for part in parts:
        length = frame_size(part)
        if frame and size + length > MAX_FRAME_BYTES:
            yield "".join(frame)
            frame, size = [], 0
        frame.append(part)
        size += length
    if frame:
        yield "".join(frame)
