"""Announce a stream's events, from any thread, after the commit that made them.

Call these from ``transaction.on_commit(..., robust=True)`` (a broken channel
layer then never fails a saved write). They return at once: the process's one
announcer thread renders each event once and sends the string to the event's
topic, in the order announced, so neither the request nor the shell waits for
templates or for Redis.
"""

from . import metrics, transport
from .announcer import get_announcer
from .protocol import CONTROL_GROUP, event_message, recheck_message, summary_message
from .streams import FIRST


def deliver(message, loop):
    group = message.get("topic", CONTROL_GROUP)
    transport.send(group, message, loop)
    metrics.announced(message)


def announcer():
    return get_announcer(deliver)


def announce(stream, topic, event):
    """Render ``event`` of ``stream`` once and send it to ``topic``."""
    event_id = stream.event_id(event)
    committed_at = metrics.committed()

    def build():
        html = stream.render(event)
        metrics.rendered(committed_at)
        return event_message(topic, event_id, html)

    announcer().submit(build, f"{stream.name} event {event_id}", stream.level)


def announce_summary(stream, topic):
    """Send ``stream``'s summary of ``topic`` soon: at most once per
    ``stream.summary_seconds()`` however many ask, and once after the last."""
    announcer().submit_coalesced(
        f"{stream.name} summary {topic}",
        lambda: summary_message(topic, *stream.summary(topic)),
        stream.summary_seconds(),
        stream.level,
    )


# Session keys per hint message: a bulk delete of sessions sends a few messages.
HINT_SESSIONS = 500


def request_recheck(user_ids=(), session_keys=()):
    """Ask every process to re-check now the sockets of these users and
    sessions against the database: hints travel the same path as events."""
    user_ids, session_keys = sorted(user_ids), sorted(session_keys)
    for start in range(0, max(len(session_keys), 1), HINT_SESSIONS):
        users = user_ids if start == 0 else []
        sessions = session_keys[start : start + HINT_SESSIONS]
        announcer().submit(
            lambda users=users, sessions=sessions: recheck_message(users, sessions),
            f"revocation hint ({len(users)} users, {len(sessions)} sessions)",
            FIRST,  # a session that ended must not wait for public events
        )
