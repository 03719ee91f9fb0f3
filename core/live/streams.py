"""A stream is a description: what a socket subscribes to, who may, what it gets.

The hub, the outbox, the announcer and the consumer are the same for every
stream; a feature describes its stream once with plain functions. The functions
marked "blocking" may use the ORM: the layer runs them in a worker thread (the
announcer's, or Channels' database thread), never on the event loop.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, TypeAlias

from .presence import Present
from .protocol import Scope, Snapshot

if TYPE_CHECKING:  # models: not importable before the apps are loaded
    # django-stubs' placeholder for ``AUTH_USER_MODEL`` or an anonymous user.
    from django.contrib.auth.models import _AnyUser

    # Who opens a socket, as Channels' auth middleware leaves it in the scope.
    User: TypeAlias = _AnyUser | None
# An event is the stream's own (a change row, a public change, a list of who is
# present): the layer only hands it to the stream's ``render`` and ``event_id``.
Event = Any


class Missed(NamedTuple):
    """Events a hub should have heard of but did not: ``events`` as (id, html),
    the newest id looked at, and a fresh summary (as_of, html) or None."""

    events: list[tuple[int, str]]
    latest_id: int
    summary: Optional[tuple[int, str]] = None


def everyone(user: "User") -> bool:
    """``may_join`` of a public stream."""
    return True


# What revocation means for a stream's sockets (``Stream.revocation``):
# CLOSE: the socket lives on its user's session and rights: once the session
# ends or the user stops passing ``may_join``, it is closed (4403).
# KEEP: the stream does not depend on who holds the socket (a public one): a
# visitor who logs out, or loses a right, keeps watching.
CLOSE = "close"
KEEP = "keep"

# ``Stream.priority``: streams that go first in the announcer and the hub (the
# staff's), and the others (public ones).
FIRST = 1
LATER = 0


@dataclass(frozen=True)
class Stream:
    # A name, for logs.
    name: str
    # scope -> the topics (transport groups) a socket of this stream joins. An
    # empty result refuses the socket as not allowed (nothing to watch).
    topics: Callable[[Scope], Iterable[str]]
    # user -> bool, blocking: may this user join? Checked when the socket opens,
    # and again (with a fresh user) periodically and on revocation hints.
    may_join: Callable[["User"], bool]
    # topic -> protocol.Snapshot, blocking (required but for presence streams):
    # the current state, rendered once per latest event and shared by every
    # socket that asks meanwhile.
    current_state: Optional[Callable[[str], Snapshot]] = None
    # event -> str, blocking: one event rendered once, for every socket (for
    # streams whose events are announced with ``publish.announce``).
    render: Optional[Callable[[Event], str]] = None
    # event -> int: its id; a hub passes each id of a topic on once.
    event_id: Optional[Callable[[Event], int]] = None
    # topic -> int, blocking: the newest event id in the database, read when a
    # hub starts carrying the topic. None: the stream has no catch-up.
    latest_id: Optional[Callable[[str], int]] = None
    # (topic, after_id, seen ids) -> Missed, blocking: committed events after
    # ``after_id`` that no push brought (the database is the record).
    missed: Optional[Callable[[str, int, frozenset[int]], Missed]] = None
    # (topic, after_id) -> protocol.Snapshot or None, blocking: the resume. What
    # happened after the point a page was rendered at (its socket URL's
    # ``?after=``), each event marked with ``protocol.point_marker``; None when
    # the point is too old to replay (the whole state is sent instead). None:
    # the stream always sends its whole state.
    after: Optional[Callable[[str, int], Optional[Snapshot]]] = None
    # topic -> (as_of, html), blocking: a summary replacing the page's, built at
    # most once per ``summary_seconds()`` however many events ask for it.
    summary: Optional[Callable[[str], tuple[int, str]]] = None
    summary_seconds: Callable[[], float] = lambda: 1.0
    # Presence streams: scope -> presence.Present, who a socket shows as while
    # it is open. Their ``render`` gets the list of everyone present and their
    # state is that list; ``current_state`` is not used.
    presence: Optional[Callable[[Scope], Present]] = None
    # CLOSE or KEEP (above); None: KEEP for a public stream (``may_join`` is
    # ``everyone``), else CLOSE.
    revocation: Optional[str] = None
    # FIRST or LATER (or any int, higher first): the order in which the
    # announcer renders and the hub wakes sockets when both have work. None:
    # LATER for a public stream, else FIRST.
    priority: Optional[int] = None

    @property
    def public(self) -> bool:
        return self.may_join is everyone

    @property
    def revoked_by_logout(self) -> bool:
        """Whether a socket of this stream closes when its session ends."""
        if self.revocation is not None:
            return self.revocation == CLOSE
        return not self.public

    @property
    def level(self) -> int:
        """Its priority, as an int."""
        if self.priority is not None:
            return self.priority
        return LATER if self.public else FIRST

    def subscriptions(self, scope: Scope) -> list[tuple["Stream", str]]:
        return [(self, topic) for topic in self.topics(scope)]
