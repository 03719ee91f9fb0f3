"""Announce a stream's events, from any thread, after the commit that made them.

Call these from ``transaction.on_commit(..., robust=True)`` (a broken channel
layer then never fails a saved write). They return at once: the process's one
announcer thread renders each event once and sends the string to the event's
topic, in the order announced, so neither the request nor the shell waits for
templates or for Redis.
"""

import asyncio
import functools
from collections.abc import Iterable

from . import metrics, transport
from .announcer import Announcer, get_announcer
from .protocol import (
    CONTROL_GROUP,
    RECHECK,
    EventMessage,
    Message,
    SummaryMessage,
    event_message,
    recheck_message,
    summary_message,
)
from .streams import FIRST, Event, Stream


def deliver(message: Message, loop: asyncio.AbstractEventLoop) -> None:
    group = CONTROL_GROUP if message["type"] == RECHECK else message["topic"]
    transport.send(group, message, loop)
    metrics.announced(message)


def announcer() -> Announcer:
    return get_announcer(deliver)


def announce(stream: Stream, topic: str, event: Event) -> None:
    """Render ``event`` of ``stream`` once and send it to ``topic``."""
    assert stream.event_id is not None, f"{stream.name} names no event ids"
    event_id = stream.event_id(event)
    committed_at = metrics.committed()

    def build() -> EventMessage:
        assert stream.render is not None, f"{stream.name} renders no events"
        html = stream.render(event)
        metrics.rendered(committed_at)
        return event_message(topic, event_id, html)

    announcer().submit(build, f"{stream.name} event {event_id}", stream.level)


def announce_summary(stream: Stream, topic: str) -> None:
    """Send ``stream``'s summary of ``topic`` soon: at most once per
    ``stream.summary_seconds()`` however many ask, and once after the last."""

    def build() -> SummaryMessage:
        assert stream.summary is not None, f"{stream.name} has no summary"
        return summary_message(topic, *stream.summary(topic))

    announcer().submit_coalesced(
        f"{stream.name} summary {topic}",
        build,
        stream.summary_seconds(),
        stream.level,
    )


# Session keys per hint message: a bulk delete of sessions sends a few messages.
HINT_SESSIONS = 500


def request_recheck(
    user_ids: Iterable[int] = (), session_keys: Iterable[str] = ()
) -> None:
    """Ask every process to re-check now the sockets of these users and
    sessions against the database: hints travel the same path as events."""
    all_users, all_sessions = sorted(user_ids), sorted(session_keys)
    for start in range(0, max(len(all_sessions), 1), HINT_SESSIONS):
        users = all_users if start == 0 else []
        sessions = all_sessions[start : start + HINT_SESSIONS]
        announcer().submit(
            functools.partial(recheck_message, users, sessions),
            f"revocation hint ({len(users)} users, {len(sessions)} sessions)",
            FIRST,  # a session that ended must not wait for public events
        )
