"""Heal the live feed from the database, the record of every change.

A push can miss a hub: with the in-memory layer a change made by another process
(``manage.py shell`` beside the server) never reaches it; a process can stop
between its commit and its push; a full channel drops messages silently. Every
few seconds, and only while sockets are connected, each hub asks once for the
committed events it has not seen, renders each once and publishes it as usual.
"""

from channels.db import database_sync_to_async
from django.conf import settings

from .feed import latest_change_id
from .fragments import render_missed


class DatabaseCatchUp:
    def __init__(self, interval=None, settled_for=None):
        self.interval = interval or settings.FEED_CATCHUP_SECONDS
        # A live push normally lands within milliseconds; give it this long.
        self.settled_for = settled_for or settings.FEED_CATCHUP_SETTLE_SECONDS

    async def latest_id(self):
        return await database_sync_to_async(latest_change_id)()

    async def missed(self, after_id, seen):
        return await database_sync_to_async(render_missed)(
            after_id, seen, self.settled_for
        )
