"""On a committed change set: announce it on the feed stream, one entry per
batch and one per change made outside a batch.

The announcer renders the row once, off the committing thread, and sends the
HTML string; the hubs forward it as is.
"""

from django.dispatch import receiver

from live.publish import announce, announce_summary
from products.selectors import changes_committed

from .streams import FEED, FEED_TOPIC


@receiver(changes_committed, dispatch_uid="dashboard.broadcast_change")
def broadcast_change(sender, change_set, **kwargs):
    for entry in change_set.entries():
        announce(FEED, FEED_TOPIC, entry)
    # The counters (kept by the writes, read from a small table): at most once
    # per interval, however many changes arrive, and once after the last.
    announce_summary(FEED, FEED_TOPIC)
