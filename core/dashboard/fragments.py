"""The feed's HTML, rendered from one set of partials for the page and the socket.

Only the socket path adds ``hx-swap-oob``; every pushed element is top-level and
carries an ``id``.
"""

import logging

from django.conf import settings
from django.template.loader import render_to_string

from live.protocol import MAX_FRAME_BYTES, Snapshot, frame_size, point_marker
from live.streams import Missed
from products.selectors import show_changes

from .alerts import pinned as pinned_alerts
from .alerts import render_updates as render_alert_updates
from .feed import changes_after, counters, latest_change_id, recent_changes

logger = logging.getLogger(__name__)

# The rows of the current state fill at most this much of a frame; the counters
# and the "Load older" link need a few hundred bytes. Rows past the budget stay
# reachable through "Load older".
SNAPSHOT_ROWS_BUDGET = MAX_FRAME_BYTES - 32 * 1024


def plain(html):
    """The rendered SafeString as an exact ``str``: channel messages carry only
    plain strings and ints, whatever serialiser the layer uses."""
    return str.__str__(html)


def render_event(change):
    """One live event: the new row on top of the feed. (The counters travel in
    their own, coalesced message: see ``render_counters``.)"""
    context = {"change": change, "alert_updates": render_alert_updates(change)}
    html = plain(render_to_string("dashboard/_event.html", context))
    if frame_size(html) > MAX_FRAME_BYTES:
        # Rows shorten long values, so this means markup nobody foresaw: send
        # the row without its values rather than a frame the server refuses.
        logger.error("Change %s renders too large for a frame; sent compact", change)
        context["compact"] = True
        html = plain(render_to_string("dashboard/_event.html", context))
    return html


def render_counters():
    """(as_of, html): the stock counters, replacing the page's, as of event id
    ``as_of`` (read first: the counters include at least every event up to it)."""
    as_of = latest_change_id()
    html = render_to_string(
        "dashboard/_counters.html", {"counters": counters(), "oob": True}
    )
    return as_of, plain(html)


def render_snapshot():
    """The whole current state: the latest rows and the counters, as one message
    that stays under the frame bound (older rows are behind "Load older")."""
    changes, more = recent_changes(settings.FEED_SNAPSHOT_SIZE)
    shown, rows, size = [], [], 0
    for change in changes:
        row = render_to_string("products/_feed_entry.html", {"change": change})
        size += frame_size(row)
        if size > SNAPSHOT_ROWS_BUDGET:
            more = True
            break
        shown.append(change)
        rows.append(row)
    html = render_to_string(
        "dashboard/_snapshot.html",
        {
            "rows": rows,
            "changes": shown,
            "more": more,
            "counters": counters(),
            "stock_alerts": pinned_alerts(),
            "oob": True,
        },
    )
    ids = frozenset(change.pk for change in shown)
    # Marked with its newest row: a page resumes from there after it.
    marker = point_marker(max(ids)) if ids else ""
    # Counters pushed as of its newest row or an older one are no newer than
    # its own: the rows were read before the counters.
    return Snapshot(html=marker + plain(html), ids=ids, as_of=max(ids, default=0))


def render_missed(after_id, seen, settled_for):
    """``Missed``: (id, html) of committed events after ``after_id`` missing
    from ``seen``, the highest id looked at, and fresh counters (as_of, html) if
    any event was missing (its counters were lost with it)."""
    return replay(changes_after(after_id, settled_for), after_id, seen)


def replay(changes, after_id, seen=frozenset()):
    """``Missed`` of ``changes`` (after ``after_id``): the ones not in ``seen``
    rendered as events, and fresh counters if there was any."""
    # Related names for the missed rows only, read at once.
    missing = show_changes([c for c in changes if c.pk not in seen])
    missed = [(c.pk, render_event(c)) for c in missing]
    latest = max((c.pk for c in changes), default=after_id)
    return Missed(missed, latest, render_counters() if missed else None)


def render_after(after_id, limit):
    """The resume of a page rendered at event ``after_id``: every feed entry
    committed since (their rows and the pinned alerts' updates they carry) and
    the counters if there was any, as a ``Snapshot``; None when more than
    ``limit`` came since, or the point is not one of this log (the socket then
    gets the whole state)."""
    if after_id > latest_change_id():
        return None
    changes = changes_after(after_id, 0, limit + 1)
    if len(changes) > limit:
        return None
    found = replay(changes, after_id)
    replayed = Snapshot.replay(found.events)
    if found.summary is None:
        return replayed
    as_of, counters_html = found.summary
    return Snapshot(replayed.html + counters_html, replayed.ids, as_of)
