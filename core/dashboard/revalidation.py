"""Close a hub's sockets whose session ended or whose user lost the feed.

Each socket is remembered with its credentials (user, session key). The database
decides whether they still hold (``validity.still_valid``); the hub asks it

- for every socket, every ``FEED_REVALIDATE_SECONDS``: this alone bounds how long
  any ended session keeps its socket (an expired session, a change made beside
  an in-memory layer, a hint the channel layer dropped);
- at once for the sockets a hint names: the process that logs out, deletes a
  session or saves a user sends one through the channel layer. A hint only says
  "look again", so a forged or stale one closes nothing that is still valid.

Hints that arrive while a check runs wait and go together into the next one, so
a burst (``clearsessions``, a bulk delete) costs a few queries, not one each.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings

from . import validity

logger = logging.getLogger(__name__)

# A socket is checked by its consumer when it opens, then watched here. A hint
# arriving in between (the consumer waits for the hub to join) would miss it;
# hints are kept this long so that ``watch`` can still see them.
HINTS_KEPT_SECONDS = 10.0


class Revalidator:
    def __init__(self, hub, close_code):
        self.hub = hub
        self.close_code = close_code
        self.credentials = {}  # socket key -> validity.Credentials
        self.pending = set()  # socket keys a hint asked about
        self.rechecking = None  # the task checking ``pending``
        self.recent = {}  # ("user", id) or ("session", key) -> when hinted

    def watch(self, key, credentials):
        self.credentials[key] = credentials
        if self.recent and self.recently_hinted(credentials):
            self.recheck({key})

    def hint(self, user_ids=(), session_keys=()):
        """Re-check now the sockets of these users and sessions."""
        user_ids, session_keys = set(user_ids), set(session_keys)
        self.remember(user_ids, session_keys)
        self.recheck(
            key
            for key, credentials in self.credentials.items()
            if credentials.user_id in user_ids
            or credentials.session_key in session_keys
        )

    def recheck(self, keys):
        self.pending.update(keys)
        if self.pending and self.rechecking is None:
            self.rechecking = asyncio.create_task(self.recheck_pending())

    def remember(self, user_ids, session_keys):
        now = time.monotonic()
        self.recent = {
            name: when
            for name, when in self.recent.items()
            if now - when < HINTS_KEPT_SECONDS
        }
        self.recent.update(dict.fromkeys((("user", u) for u in user_ids), now))
        self.recent.update(dict.fromkeys((("session", k) for k in session_keys), now))

    def recently_hinted(self, credentials):
        return ("user", credentials.user_id) in self.recent or (
            "session",
            credentials.session_key,
        ) in self.recent

    async def recheck_pending(self):
        try:
            while self.pending:
                keys, self.pending = self.pending, set()
                await self.check(keys)
        finally:
            self.rechecking = None

    async def run(self):
        """Re-check every socket, periodically, while the hub has any."""
        while True:
            await asyncio.sleep(settings.FEED_REVALIDATE_SECONDS)
            self.forget_gone()
            await self.check(list(self.credentials))

    async def check(self, keys):
        watched = {
            key: self.credentials[key]
            for key in keys
            if key in self.credentials and key in self.hub.outboxes
        }
        if not watched:
            return
        try:
            valid = await database_sync_to_async(validity.still_valid)(
                set(watched.values())
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            # Keep the sockets: a database blip is no reason to end sessions, and
            # the next round asks again.
            logger.exception("Could not re-check %d feed sockets", len(watched))
            return
        for key, credentials in watched.items():
            if credentials not in valid and key in self.hub.outboxes:
                self.credentials.pop(key, None)
                self.hub.close(key, self.close_code)

    def forget_gone(self):
        """Drop the credentials of sockets that left the hub since."""
        for key in [key for key in self.credentials if key not in self.hub.outboxes]:
            del self.credentials[key]

    def stop(self):
        if self.rechecking is not None:
            self.rechecking.cancel()
            self.rechecking = None
        self.credentials.clear()
        self.pending.clear()
        self.recent.clear()
