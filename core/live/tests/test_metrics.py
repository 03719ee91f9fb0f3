"""What the live layer counts for /metrics (live.metrics)."""

from prometheus_client import REGISTRY

from live.metrics import CloseCodes
from live.outbox import Outbox, entry
from live.protocol import CLOSE_TOO_SLOW


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_events_that_wait_together_leave_as_one_coalesced_frame():
    before = {
        name: value(name)
        for name in (
            "shop_live_frames_sent_total",
            "shop_live_events_delivered_total",
            "shop_live_frames_coalesced_total",
        )
    }
    outbox = Outbox(send=None, size=10, close=None, max_unsent_bytes=1024)
    for event_id in (1, 2, 3):
        outbox.offer(entry("feed", event_id, False, f"<p id='e{event_id}'></p>"))

    message = outbox.next_message()

    assert message["text"].count("<p") == 3
    assert (
        value("shop_live_frames_sent_total")
        == before["shop_live_frames_sent_total"] + 1
    )
    assert (
        value("shop_live_events_delivered_total")
        == before["shop_live_events_delivered_total"] + 3
    )
    assert (
        value("shop_live_frames_coalesced_total")
        == before["shop_live_frames_coalesced_total"] + 1
    )


async def test_closes_are_counted_by_code():
    async def shed(scope, receive, send):
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_TOO_SLOW})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "websocket.connect"}

    before = value("shop_live_sockets_closed_total", code="4013")

    await CloseCodes(shed)({"type": "websocket"}, receive, send)

    assert [message["type"] for message in sent] == [
        "websocket.accept",
        "websocket.close",
    ]
    assert value("shop_live_sockets_closed_total", code="4013") == before + 1
