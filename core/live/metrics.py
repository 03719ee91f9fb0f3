"""What the live layer counts, for ``/metrics`` (Prometheus text format).

Each daphne process counts its own sockets and frames: scrape every process
directly (docs/deploy.md). The rest of the layer calls these with one line each,
so the counting stays here and the delivery code stays readable.

- sockets open, per stream;
- events announced (by this process's announcer) and delivered (to sockets), frames
  sent, and frames that carried several events at once (coalesced);
- sockets closed, per close code (4013 shed as too slow, 4429 and 4403 refused,
  4012 resync);
- announcer lag: from the commit to the event rendered, and to it sent;
- hub re-joins: the groups joined again after the transport failed.
"""

import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from .protocol import ASGIApp, ASGIMessage, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .streams import Stream

# A "_created" timestamp beside every counter doubles the series for nothing a
# dashboard here uses.
disable_created_metrics()

# Commit to render / send: milliseconds as a rule, seconds when something waits.
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

SOCKETS = Gauge("shop_live_sockets", "Live sockets open, per stream", ["stream"])
ANNOUNCED = Counter(
    "shop_live_announced", "Messages this process's announcer sent", ["kind"]
)
DELIVERED = Counter(
    "shop_live_events_delivered", "Events (and summaries) handed to sockets"
)
FRAMES = Counter("shop_live_frames_sent", "Frames sent to live sockets")
COALESCED = Counter(
    "shop_live_frames_coalesced", "Frames that carried more than one event"
)
CLOSED = Counter(
    "shop_live_sockets_closed",
    "Live sockets closed by the server, per close code "
    "(4013 shed as too slow; 4429, 4403 refused; 4012 resync)",
    ["code"],
)
RENDER_LAG = Histogram(
    "shop_live_announce_render_lag_seconds",
    "From the commit to the event rendered by the announcer",
    buckets=LAG_BUCKETS,
)
SEND_LAG = Histogram(
    "shop_live_announce_send_lag_seconds",
    "From the commit to the event sent to the transport",
    buckets=LAG_BUCKETS,
)
REJOINS = Counter(
    "shop_live_hub_rejoins",
    "Times a hub joined its groups again after the transport failed",
)

# The announcer renders and then sends in one thread, one event at a time: the
# commit time of the event being sent is kept per thread between the two.
_announcing = threading.local()


def socket_opened(subscriptions: Iterable[tuple["Stream", str]]) -> tuple[str, ...]:
    """A socket joined ``subscriptions`` [(stream, topic)]: counted once under
    each stream it uses; returns their names, for ``socket_closed``."""
    names = tuple({stream.name: None for stream, _topic in subscriptions})
    for name in names:
        SOCKETS.labels(name).inc()
    return names


def socket_closed(names: Iterable[str]) -> None:
    for name in names:
        SOCKETS.labels(name).dec()


def sent(events: int) -> None:
    """One frame sent, carrying ``events`` events."""
    FRAMES.inc()
    DELIVERED.inc(events)
    if events > 1:
        COALESCED.inc()


def closed(code: object) -> None:
    CLOSED.labels(str(code)).inc()


def committed() -> float:
    """The time an event is committed (call in its on-commit callback)."""
    return time.monotonic()


def rendered(committed_at: float) -> None:
    RENDER_LAG.observe(time.monotonic() - committed_at)
    _announcing.committed_at = committed_at


def announced(message: Message) -> None:
    """``message`` left for the transport."""
    ANNOUNCED.labels(message.get("type", "unknown")).inc()
    committed_at = getattr(_announcing, "committed_at", None)
    if committed_at is not None:
        SEND_LAG.observe(time.monotonic() - committed_at)
        _announcing.committed_at = None


def rejoined() -> None:
    REJOINS.inc()


class CloseCodes:
    """ASGI middleware for the live sockets: counts each close the server sends,
    by code. Beneath ``ServerSendMiddleware``, so the hub's frames (sent through
    the server's own ``send``) never pass here; accepts and closes do."""

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: ASGIMessage) -> None:
            if message["type"] == "websocket.close":
                closed(message.get("code", 1000))
            await send(message)

        return await self.inner(scope, receive, counting_send)
