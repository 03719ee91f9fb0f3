"""Close a hub's sockets whose session ended or whose user lost the right.

Each socket is remembered with its credentials (user, session key). The database
decides whether they still hold (``validity.still_valid``); the hub asks it

- for every socket, every ``LIVE_REVALIDATE_SECONDS``: this alone bounds how long
  any ended session keeps its socket (a change made beside an in-memory layer, a
  hint the channel layer dropped, a session store that keeps no expiry);
- at once for the sockets a hint names: the process that logs out, deletes a
  session or saves a user sends one through the channel layer. A hint only says
  "look again", so a forged or stale one closes nothing that is still valid;
- when a socket's session expires: nobody announces that, so each check notes
  every valid session's expiry and a timer looks again at that moment (once
  more if the session was extended meanwhile). A socket is checked once when
  it is watched, to learn its expiry.

Hints that arrive while a check runs wait and go together into the next one, so
a burst (``clearsessions``, a bulk delete) costs a few queries, not one each.
"""

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from channels.db import database_sync_to_async
from django.utils import timezone

from . import validity
from .conf import live_setting
from .protocol import SocketKey
from .validity import Credentials

if TYPE_CHECKING:
    from .hub import Hub

logger = logging.getLogger(__name__)

# An expiry timer fires this much after the session's expiry date, so that the
# database, asked with the then current time, sees the session expired.
EXPIRY_MARGIN_SECONDS = 0.05


class Revalidator:
    def __init__(self, hub: "Hub", close_code: int) -> None:
        self.hub = hub
        self.close_code = close_code
        self.credentials: dict[SocketKey, Credentials] = {}
        self.pending: set[SocketKey] = set()  # socket keys a hint asked about
        self.rechecking: Optional[asyncio.Task[None]] = None  # checks ``pending``
        # socket key -> (expiry, timer) of its session
        self.expiries: dict[SocketKey, tuple[datetime, asyncio.TimerHandle]] = {}
        self.stopped = False

    def watch(self, key: SocketKey, credentials: Credentials) -> None:
        self.credentials[key] = credentials
        # Checked at once, in one batch with every socket joining meanwhile: a
        # change hinted between the consumer's own check and now is seen (this
        # reads the database later), and the session's expiry gets a timer.
        self.recheck({key})

    def hint(
        self, user_ids: Iterable[int] = (), session_keys: Iterable[str] = ()
    ) -> None:
        """Re-check now the sockets of these users and sessions."""
        users, sessions = set(user_ids), set(session_keys)
        self.recheck(
            key
            for key, credentials in self.credentials.items()
            if credentials.user_id in users or credentials.session_key in sessions
        )

    def recheck(self, keys: Iterable[SocketKey]) -> None:
        self.pending.update(keys)
        if self.pending and self.rechecking is None:
            self.rechecking = asyncio.create_task(self.recheck_pending())

    async def recheck_pending(self) -> None:
        try:
            while self.pending:
                keys, self.pending = self.pending, set()
                await self.check(keys)
        finally:
            self.rechecking = None

    async def run(self) -> None:
        """Re-check every socket, periodically, while the hub has any."""
        while not self.stopped:
            await asyncio.sleep(live_setting("LIVE_REVALIDATE_SECONDS"))
            self.forget_gone()
            await self.check(list(self.credentials))

    async def check(self, keys: Iterable[SocketKey]) -> None:
        watched = {
            key: self.credentials[key]
            for key in keys
            if key in self.credentials and key in self.hub.outboxes
        }
        if not watched:
            return
        try:
            valid = await database_sync_to_async(validity.valid_until)(
                set(watched.values())
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            # Keep the sockets: a database blip is no reason to end sessions, and
            # the next round asks again.
            logger.exception("Could not re-check %d live sockets", len(watched))
            return
        for key, credentials in watched.items():
            if key not in self.hub.outboxes:
                continue
            if credentials in valid:
                self.expire_at(key, valid[credentials])
            else:
                self.forget(key)
                self.hub.close(key, self.close_code)

    def expire_at(self, key: SocketKey, expiry: Optional[datetime]) -> None:
        """Re-check ``key`` once ``expiry`` (an aware datetime, or None) passes."""
        known: Optional[datetime]
        timer: Optional[asyncio.TimerHandle]
        known, timer = self.expiries.get(key, (None, None))
        if expiry == known:
            return
        if timer is not None:
            timer.cancel()
        if expiry is None:
            self.expiries.pop(key, None)
            return
        delay = (expiry - timezone.now()).total_seconds() + EXPIRY_MARGIN_SECONDS
        timer = asyncio.get_running_loop().call_later(
            max(delay, 0.0), self.recheck, {key}
        )
        self.expiries[key] = (expiry, timer)

    def forget(self, key: SocketKey) -> None:
        self.credentials.pop(key, None)
        _, timer = self.expiries.pop(key, (None, None))
        if timer is not None:
            timer.cancel()

    def forget_gone(self) -> None:
        """Drop the credentials and timers of sockets that left the hub since."""
        for key in [key for key in self.credentials if key not in self.hub.outboxes]:
            self.forget(key)

    def stop(self) -> None:
        self.stopped = True
        if self.rechecking is not None:
            self.rechecking.cancel()
            self.rechecking = None
        for key in list(self.credentials):
            self.forget(key)
        self.pending.clear()
