"""On a committed product change: render the fragments once, send the HTML.

The message holds only strings and ints, so every channel layer can serialise it
(channels-redis uses msgpack). Consumers forward it as is.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.dispatch import receiver

from products.signals import product_changed

from .fragments import render_event
from .groups import FEED_GROUP

logger = logging.getLogger(__name__)


def event_message(change):
    return {"type": "feed.event", "id": change.pk, "html": render_event(change)}


def revoke_message(user_id):
    return {"type": "feed.revoke", "user_id": user_id}


def send_to_group(group, message):
    """Best effort: the database is the record, a lost push is healed on reconnect."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        logger.exception("Could not send %s to %s", message["type"], group)
        return False
    return True


@receiver(product_changed, dispatch_uid="dashboard.broadcast_change")
def broadcast_change(sender, change, **kwargs):
    send_to_group(FEED_GROUP, event_message(change))


def revoke_user(user_id):
    """Close every open feed socket of this user, in every process: revocation
    travels the same path as events."""
    send_to_group(FEED_GROUP, revoke_message(user_id))
