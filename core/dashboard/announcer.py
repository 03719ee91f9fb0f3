"""Announce committed changes from one background thread per process.

A save returns as soon as its transaction commits. Rendering the fragments (once
per event) and handing the message to the channel layer happen here, in commit
order, so neither the request nor the shell waits for templates or for Redis.

The thread keeps one event loop, not running between messages: channels-redis
keeps its connections per loop, and Django's ORM (used to render) refuses to run
while a loop is running in the same thread.
"""

import asyncio
import atexit
import logging
import queue
import threading

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class Announcer:
    def __init__(self, deliver, idle_seconds=None):
        """``deliver(message, loop)`` hands one built message on."""
        self.deliver = deliver
        self.idle_seconds = idle_seconds or settings.FEED_ANNOUNCER_IDLE_SECONDS
        self.queue = queue.Queue()
        self.thread = None
        self.start_lock = threading.Lock()

    def submit(self, build_message, description):
        """Queue ``build_message()``; it runs, and is delivered, off this thread."""
        self.ensure_running()
        self.queue.put((build_message, description))

    def flush(self, timeout=5.0, then=None):
        """Wait until everything submitted so far has been delivered (tests,
        exit); ``then()`` runs on the announcer's thread after that."""
        if self.thread is None or not self.thread.is_alive():
            return True
        done = threading.Event()

        def finish():
            try:
                if then is not None:
                    then()
            finally:
                done.set()

        self.queue.put((finish, "flush"))
        return done.wait(timeout)

    def ensure_running(self):
        with self.start_lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self.run, name="feed-announcer", daemon=True
                )
                self.thread.start()

    def release(self, timeout=5.0):
        """Deliver what is queued, then give the database connection back (at
        exit, and before a test database is dropped)."""
        return self.flush(timeout, then=connections.close_all)

    def run(self):
        loop = asyncio.new_event_loop()
        while True:
            try:
                build_message, description = self.queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                # Idle for a while: give the database connection back. While
                # busy it is kept: opening one per event cost more than the
                # event (5-8 ms on PostgreSQL).
                connections.close_all()
                continue
            try:
                message = build_message()
                if message is not None:
                    self.deliver(message, loop)
            except Exception:
                logger.exception("Could not announce %s", description)
                connections.close_all()  # the next event starts afresh


_announcer = None
_announcer_lock = threading.Lock()


def get_announcer(deliver):
    global _announcer
    with _announcer_lock:
        if _announcer is None:
            _announcer = Announcer(deliver)
            # A shell or a command exits right after its last save: send first.
            atexit.register(_announcer.release, 2.0)
    return _announcer
