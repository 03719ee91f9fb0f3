"""The staff feed socket: check, resume, stream, revoke."""

from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.roles import is_staff

from .fragments import render_snapshot
from .groups import FEED_GROUP, user_group

# Close code for "not allowed": outside 1006/1011/1012/1013, so the htmx ws
# extension does not retry, and the page can say the session ended.
CLOSE_NOT_ALLOWED = 4403
# Event ids remembered to drop doubles (snapshot rows, layer redeliveries).
REMEMBERED_IDS = 1000


class SentIds:
    """A bounded set of the event ids this socket has already sent."""

    def __init__(self, limit=REMEMBERED_IDS):
        self.order = deque()
        self.ids = set()
        self.limit = limit

    def add(self, event_id):
        """Remember ``event_id``; False when it was already sent."""
        if event_id in self.ids:
            return False
        self.ids.add(event_id)
        self.order.append(event_id)
        if len(self.order) > self.limit:
            self.ids.discard(self.order.popleft())
        return True


class ProductFeedConsumer(AsyncWebsocketConsumer):
    # No class-level ``groups``: those are joined before connect() runs, i.e.
    # before the staff check. Groups are joined below, after it.
    joined = ()

    async def connect(self):
        # Accept first, then close with our own code: a refusal before accept()
        # reaches the browser as 1006, which the ws extension retries forever.
        await self.accept()
        user = self.scope.get("user")
        if not is_staff(user):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        # Join before reading the state: whatever commits after the read arrives
        # through the groups, and what both paths deliver is sent once.
        self.joined = (FEED_GROUP, user_group(user.pk))
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        snapshot = await database_sync_to_async(render_snapshot)()
        self.sent = SentIds()
        for event_id in sorted(snapshot.ids):
            self.sent.add(event_id)
        await self.send(text_data=snapshot.html)

    async def disconnect(self, code):
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The feed is one-way; anything a client sends is ignored."""

    async def feed_event(self, message):
        if self.sent.add(message["id"]):
            await self.send(text_data=message["html"])

    async def feed_revoke(self, message):
        await self.close(code=CLOSE_NOT_ALLOWED)
