"""The staff feed as a live stream: every recorded product change, as a row on
top of the feed, with the stock counters as its summary."""

from django.conf import settings

from accounts.roles import can_watch_feed
from live.conf import live_setting
from live.streams import Stream

from .feed import latest_change_id
from .fragments import (
    render_after,
    render_counters,
    render_event,
    render_missed,
    render_snapshot,
)

# The transport group of the feed, shared by every process's hub.
FEED_TOPIC = "product-feed"


def feed_topics(scope):
    return (FEED_TOPIC,)


def feed_state(topic):
    return render_snapshot()


def latest_change(topic):
    return latest_change_id()


def missed_changes(topic, after_id, seen):
    # A live push normally lands within milliseconds; give it this long.
    return render_missed(after_id, seen, settings.FEED_CATCHUP_SETTLE_SECONDS)


def feed_after(topic, after_id):
    # Further behind than the state's own rows, the state is the better answer.
    limit = min(live_setting("LIVE_RESUME_MAX_EVENTS"), settings.FEED_SNAPSHOT_SIZE)
    return render_after(after_id, limit)


def change_id(change):
    return change.pk


def feed_counters(topic):
    return render_counters()


def counters_seconds():
    return settings.FEED_COUNTERS_SECONDS


FEED = Stream(
    name="feed",
    topics=feed_topics,
    may_join=can_watch_feed,
    current_state=feed_state,
    render=render_event,
    event_id=change_id,
    latest_id=latest_change,
    missed=missed_changes,
    after=feed_after,
    summary=feed_counters,
    summary_seconds=counters_seconds,
)
