"""The staff feed socket: check, resume, then let the process's hub stream."""

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.roles import can_watch_feed

from .hub import get_hub
from .protocol import CLOSE_NOT_ALLOWED
from .validity import Credentials


class ProductFeedConsumer(AsyncWebsocketConsumer):
    # No channel of its own (an alias naming no layer gives none): the hub is
    # the process's one subscriber and receives for every socket. A channel per
    # socket cost a layer receive each, and while Redis was down every one of
    # them raised and killed its socket with 1011.
    channel_layer_alias = None
    hub = None

    async def dispatch(self, message):
        """Channels runs ``close_old_connections`` in the database thread before
        every handler. Nothing here touches the ORM on the event loop, and the
        database work (through ``database_sync_to_async``) closes old connections
        itself; the extra hop per message only queued every socket of a reconnect
        storm behind one another."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        # Accept first, then close with our own code: a refusal before accept()
        # reaches the browser as 1006, which the ws extension retries forever.
        await self.accept()
        user = self.scope.get("user")
        # has_perm queries the database: never on the event loop.
        if not await database_sync_to_async(can_watch_feed)(user):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        # Join before reading the state: whatever commits after the read reaches
        # the outbox, and what both paths carry is sent once.
        self.hub = get_hub()
        send = self.scope.get("server_send", self.base_send)
        outbox = await self.hub.join(
            self, send=send, close=self.close_with, user_id=user.pk
        )
        # The hub closes the socket once this session or user no longer passes.
        self.hub.watch(self, Credentials(user.pk, self.scope["session"].session_key))
        snapshot = await self.hub.current_state()
        await self.send(text_data=snapshot.html)
        outbox.start(snapshot.ids, snapshot.counters_as_of)

    async def close_with(self, code):
        await self.close(code=code)

    async def disconnect(self, code):
        if self.hub is not None:
            await self.hub.leave(self)

    async def receive(self, text_data=None, bytes_data=None):
        """The feed is one-way; anything a client sends is ignored."""
