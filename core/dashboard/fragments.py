"""The feed's HTML, rendered from one set of partials for the page and the socket.

Only the socket path adds ``hx-swap-oob``; every pushed element is top-level and
carries an ``id``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from .feed import changes_after, counters, recent_changes


def plain(html):
    """The rendered SafeString as an exact ``str``: channel messages carry only
    plain strings and ints, whatever serialiser the layer uses."""
    return str.__str__(html)


@dataclass(frozen=True)
class Snapshot:
    html: str
    ids: frozenset


def render_event(change):
    """One live event: the new row on top of the feed, and the counters."""
    return plain(
        render_to_string(
            "dashboard/_event.html", {"change": change, "counters": counters()}
        )
    )


def render_snapshot():
    """The whole current state: the latest rows and the counters, as one message."""
    changes, more = recent_changes(settings.FEED_SNAPSHOT_SIZE)
    html = render_to_string(
        "dashboard/_snapshot.html",
        {"changes": changes, "more": more, "counters": counters(), "oob": True},
    )
    return Snapshot(html=plain(html), ids=frozenset(change.pk for change in changes))


def render_missed(after_id, seen, settled_for):
    """(id, html) of committed events after ``after_id`` missing from ``seen``,
    and the highest id looked at."""
    changes = changes_after(after_id, settled_for)
    missed = [(c.pk, render_event(c)) for c in changes if c.pk not in seen]
    return missed, max((c.pk for c in changes), default=after_id)
