"""On a committed product change: announce it on the feed stream.

The announcer renders the row once, off the committing thread, and sends the
HTML string; the hubs forward it as is.
"""

from django.dispatch import receiver

from live.publish import announce, announce_summary
from products.signals import product_changed

from .streams import FEED, FEED_TOPIC


@receiver(product_changed, dispatch_uid="dashboard.broadcast_change")
def broadcast_change(sender, change, **kwargs):
    announce(FEED, FEED_TOPIC, change)
    # The counters scan the whole catalog: at most once per interval, however
    # many changes arrive, and once after the last.
    announce_summary(FEED, FEED_TOPIC)
