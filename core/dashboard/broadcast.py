"""On a committed product change: render the fragments once, send the HTML.

The message holds only strings and ints, so every channel layer can serialise it
(channels-redis uses msgpack). Hubs forward it as is.
"""

import logging

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.dispatch import receiver

from products.signals import product_changed

from .announcer import get_announcer
from .fragments import render_counters, render_event
from .groups import FEED_GROUP
from .hub import local_hubs

logger = logging.getLogger(__name__)


def event_message(change):
    return {"type": "feed.event", "id": change.pk, "html": render_event(change)}


def counters_message():
    as_of, html = render_counters()
    return {"type": "feed.counters", "as_of": as_of, "html": html}


def revoke_message(user_ids, session_keys):
    """A hint that these users or sessions changed: hubs re-check their sockets."""
    return {
        "type": "feed.revoke",
        "user_ids": sorted(user_ids),
        "session_keys": sorted(session_keys),
    }


def deliver(message, loop):
    """Best effort: the database is the record, and hubs catch up from it."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        # One process: its asyncio queues may only be touched from their own
        # loop, so the hubs of this process are fed directly, in their loops.
        for hub_loop, hub in local_hubs():
            hub_loop.call_soon_threadsafe(hub.dispatch, message)
        return
    try:
        loop.run_until_complete(layer.group_send(FEED_GROUP, message))
    except Exception:
        logger.exception("Could not send %s to %s", message["type"], FEED_GROUP)


def announcer():
    return get_announcer(deliver)


@receiver(product_changed, dispatch_uid="dashboard.broadcast_change")
def broadcast_change(sender, change, **kwargs):
    announcer().submit(lambda: event_message(change), f"change {change.pk}")
    # The counters scan the whole catalog: at most once per interval, however
    # many changes arrive, and once after the last.
    announcer().submit_coalesced(
        "counters", counters_message, settings.FEED_COUNTERS_SECONDS
    )


# Session keys per hint message: a bulk delete of sessions sends a few messages.
HINT_SESSIONS = 500


def request_recheck(user_ids=(), session_keys=()):
    """Ask every process to re-check now the feed sockets of these users and
    sessions against the database: hints travel the same path as events."""
    user_ids, session_keys = sorted(user_ids), sorted(session_keys)
    for start in range(0, max(len(session_keys), 1), HINT_SESSIONS):
        users = user_ids if start == 0 else []
        sessions = session_keys[start : start + HINT_SESSIONS]
        announcer().submit(
            lambda users=users, sessions=sessions: revoke_message(users, sessions),
            f"revocation hint ({len(users)} users, {len(sessions)} sessions)",
        )
