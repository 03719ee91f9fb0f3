"""Announce committed changes from one background thread per process.

A save returns as soon as its transaction commits. Rendering the fragments (once
per event) and handing the message to the channel layer happen here, in commit
order, so neither the request nor the shell waits for templates or for Redis.

Some messages summarise state rather than describe an event (the stock
counters): those are *coalesced*, built at most once per interval however many
events asked for them, and once more after the last request, so a busy second
costs one whole-catalog query instead of one per event.

The thread keeps one event loop, not running between messages: channels-redis
keeps its connections per loop, and Django's ORM (used to render) refuses to run
while a loop is running in the same thread.
"""

import asyncio
import atexit
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional, Union

from django.db import connections

from .conf import live_setting
from .protocol import Message

logger = logging.getLogger(__name__)

# Below any stream's priority: a flush waits for everything queued before it.
LAST = float("-inf")


# Hands one built message on, in the announcer's event loop (not running).
Deliver = Callable[[Message, asyncio.AbstractEventLoop], None]
# Builds one message, off the caller's thread; None: nothing to send.
Build = Callable[[], Optional[Message]]


class Announcer:
    def __init__(self, deliver: Deliver, idle_seconds: Optional[float] = None) -> None:
        """``deliver(message, loop)`` hands one built message on."""
        self.deliver = deliver
        self.idle_seconds = idle_seconds or live_setting("LIVE_ANNOUNCER_IDLE_SECONDS")
        # (-priority, order submitted, job, description): a stream that goes
        # first (the staff's) is rendered and sent before any waiting public
        # event; within one priority, in the order announced.
        self.queue: queue.PriorityQueue[tuple[float, int, Job, str]] = (
            queue.PriorityQueue()
        )
        self.order = itertools.count()
        self.thread: Optional[threading.Thread] = None
        self.start_lock = threading.Lock()
        # Owned by the announcer's thread: key -> Coalesced, and when each key
        # was last built.
        self.pending: dict[str, Coalesced] = {}
        self.last_built: dict[str, float] = {}

    def put(self, job: "Job", description: str, priority: float) -> None:
        self.queue.put((-priority, next(self.order), job, description))

    def submit(self, build_message: Build, description: str, priority: int = 0) -> None:
        """Queue ``build_message()``; it runs, and is delivered, off this thread,
        before anything of a lower ``priority`` still waiting."""
        self.ensure_running()
        self.put(build_message, description, priority)

    def submit_coalesced(
        self, key: str, build_message: Build, interval: float, priority: int = 0
    ) -> None:
        """Ask for ``build_message()`` to be delivered soon: at once if ``key``
        was not built within ``interval`` seconds, else when that has passed.
        Requests made meanwhile share that one delivery."""
        self.ensure_running()
        job = Coalesced(key, build_message, interval)
        self.put(job, f"coalesced {key}", priority)

    def flush(
        self, timeout: float = 5.0, then: Optional[Callable[[], None]] = None
    ) -> bool:
        """Wait until everything submitted so far has been delivered, coalesced
        requests included (tests, exit); ``then()`` runs on the announcer's
        thread after that."""
        if self.thread is None or not self.thread.is_alive():
            return True
        done = threading.Event()

        def finish() -> None:
            try:
                if then is not None:
                    then()
            finally:
                done.set()

        # Last of everything queued so far, whatever its priority.
        self.put(Flush(finish), "flush", LAST)
        return done.wait(timeout)

    def ensure_running(self) -> None:
        with self.start_lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self.run, name="live-announcer", daemon=True
                )
                self.thread.start()

    def release(self, timeout: float = 5.0) -> bool:
        """Deliver what is queued, then give the database connection back (at
        exit, and before a test database is dropped)."""
        return self.flush(timeout, then=connections.close_all)

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        while True:
            try:
                _, _, job, description = self.queue.get(timeout=self.wait_seconds())
            except queue.Empty:
                if not self.pending:
                    # Idle for a while: give the database connection back.
                    # While busy it is kept: opening one per event cost more
                    # than the event (5-8 ms on PostgreSQL).
                    connections.close_all()
            else:
                if isinstance(job, Coalesced):
                    self.pending[job.key] = job
                elif isinstance(job, Flush):
                    self.run_due_coalesced(loop, everything=True)
                    job.finish()
                else:
                    self.announce(job, description, loop)
            self.run_due_coalesced(loop)

    def wait_seconds(self) -> float:
        """Until the next coalesced job is due, or the idle period."""
        if not self.pending:
            return self.idle_seconds
        now = time.monotonic()
        return max(0.0, min(self.due_at(job) for job in self.pending.values()) - now)

    def due_at(self, job: "Coalesced") -> float:
        return self.last_built.get(job.key, float("-inf")) + job.interval

    def run_due_coalesced(
        self, loop: asyncio.AbstractEventLoop, everything: bool = False
    ) -> None:
        now = time.monotonic()
        for key, job in list(self.pending.items()):
            if everything or self.due_at(job) <= now:
                del self.pending[key]
                self.last_built[key] = now
                self.announce(job.build_message, f"coalesced {key}", loop)

    def announce(
        self, build_message: Build, description: str, loop: asyncio.AbstractEventLoop
    ) -> None:
        try:
            message = build_message()
            if message is not None:
                self.deliver(message, loop)
        except Exception:
            logger.exception("Could not announce %s", description)
            connections.close_all()  # the next one starts afresh


@dataclass(frozen=True)
class Flush:
    finish: Callable[[], None]


@dataclass(frozen=True)
class Coalesced:
    key: str
    build_message: Build
    interval: float


# What waits in the queue: a message to build, a coalesced request, a flush.
Job = Union[Build, Coalesced, Flush]

_announcer: Optional[Announcer] = None
_announcer_lock = threading.Lock()


def get_announcer(deliver: Deliver) -> Announcer:
    global _announcer
    with _announcer_lock:
        if _announcer is None:
            _announcer = Announcer(deliver)
            # A shell or a command exits right after its last save: send first.
            atexit.register(_announcer.release, 2.0)
    return _announcer
