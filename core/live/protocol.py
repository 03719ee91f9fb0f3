"""The live layer's wire contract: close codes, message shapes, frame size.

Every live page reads the close codes from data attributes rendered from here
(``{% live_codes %}``), so there is one copy of them.

daphne (autobahn under it) sends only close codes 1000 and 3000-4999, and refuses
to send a message over 1 MiB: the task that tried dies and the socket goes quiet.
Every frame we build stays well under that bound.

Messages between processes travel through the channel layer and hold only
strings and ints (channels-redis serialises with msgpack).
"""

from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypedDict

# Not allowed (not logged in, no permission, session ended): the page stops and
# says so. The htmx ws extension does not retry it either.
CLOSE_NOT_ALLOWED = 4403
# Too many sockets from one client address: the page stops, as for 4403.
CLOSE_TOO_MANY = 4429
# The server restarts or lost its transport and may have missed events: reconnect
# and resync from the current state.
CLOSE_RESTART = 4012
# The socket fell too far behind (its unsent output passed the bound): reconnect
# and resync from the current state.
CLOSE_TOO_SLOW = 4013

# Codes after which the page reconnects by itself. The ws extension retries only
# 1006, 1011, 1012 and 1013, which daphne cannot send.
RECONNECT_CODES = (CLOSE_RESTART, CLOSE_TOO_SLOW)

# autobahn's limit is 1,048,576 bytes; half of it leaves room for what the server
# adds and for any markup we did not foresee.
MAX_FRAME_BYTES = 512 * 1024

# The transport group every hub joins while it has sockets: hints that ask
# hubs to re-check their sockets travel on it, whatever streams they carry.
CONTROL_GROUP = "live-control"

EVENT: Final = "live.event"
SUMMARY: Final = "live.summary"
RECHECK: Final = "live.recheck"
PRESENCE: Final = "live.presence"


# Resume: a page is rendered at a point of the change log (the newest event id
# it reflects) and its socket URL carries it, ``?after=<id>``. The socket then
# sends only the events after it (``Stream.after``), or the whole state when the
# point is too old to replay: more than ``LIVE_RESUME_MAX_EVENTS`` events after
# it, or a point the server does not know (newer than its newest event). Every
# event a socket sends starts with its point marker, an HTML comment htmx does
# not swap; the page keeps the newest one it saw and reconnects from it. A
# resumed socket's first frame starts with ``RESUMED`` (a fresh page's first
# frame is then that marker, and who else is here, well under 4 KB).
AFTER_PARAMETER = "after"
RESUMED = "<!--live:resumed-->"


def point_marker(event_id: int) -> str:
    """What precedes an event's HTML on the wire: its point of the change log."""
    return f"<!--live:{int(event_id)}-->"


def frame_size(text: str) -> int:
    """Bytes of ``text`` on the wire (UTF-8)."""
    return len(text.encode())


class EventMessage(TypedDict):
    type: Literal["live.event"]
    topic: str
    id: int
    html: str


class SummaryMessage(TypedDict):
    type: Literal["live.summary"]
    topic: str
    as_of: int
    html: str


class RecheckMessage(TypedDict):
    type: Literal["live.recheck"]
    user_ids: list[int]
    session_keys: list[str]


class PresenceMessage(TypedDict):
    type: Literal["live.presence"]
    topic: str


# What travels between processes, to every hub.
Message = EventMessage | SummaryMessage | RecheckMessage | PresenceMessage


def event_message(topic: str, event_id: int, html: str) -> EventMessage:
    """One event of a topic, rendered once; hubs drop an id they already had."""
    return {"type": EVENT, "topic": topic, "id": event_id, "html": html}


def summary_message(topic: str, as_of: int, html: str) -> SummaryMessage:
    """A summary of a topic (counters, who is here) as of event ``as_of``: it
    replaces older ones, so older ones than already sent are dropped."""
    return {"type": SUMMARY, "topic": topic, "as_of": as_of, "html": html}


def recheck_message(
    user_ids: Iterable[int], session_keys: Iterable[str]
) -> RecheckMessage:
    """A hint that these users or sessions changed: hubs re-check their sockets."""
    return {
        "type": RECHECK,
        "user_ids": sorted(user_ids),
        "session_keys": sorted(session_keys),
    }


def presence_message(topic: str) -> PresenceMessage:
    """Someone arrived on ``topic`` or left it: hubs read the store now."""
    return {"type": PRESENCE, "topic": topic}


@dataclass(frozen=True)
class Snapshot:
    """A topic's current state, the first frame a socket gets: ``ids`` are the
    events it shows (not sent again), ``as_of`` the newest event its summary
    includes (older summaries are not sent)."""

    html: str
    ids: frozenset[int] = frozenset()
    as_of: int = 0

    @classmethod
    def replay(cls, events: Iterable[tuple[int, str]]) -> "Snapshot":
        """A resume's replay: each ``(event id, html)`` after its point marker,
        as the events themselves are sent."""
        events = list(events)
        return cls(
            html="".join(point_marker(pk) + html for pk, html in events),
            ids=frozenset(pk for pk, _ in events),
        )


# ASGI, as the layer uses it: a scope's values differ by key (the client's
# address, the query string, the user and session the middleware put there), and
# so do the messages' (only their "type" is common to all).
Scope = dict[str, Any]
ASGIMessage = Mapping[str, Any]
Send = Callable[[ASGIMessage], Awaitable[None]]
Receive = Callable[[], Awaitable[ASGIMessage]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# A socket, as the hub and its helpers know it: the consumer itself, or in tests
# whatever stands in for it.
SocketKey = Hashable
