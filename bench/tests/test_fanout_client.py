from websockets.frames import Frame, Opcode

from bench import fanout_client
from bench.fanout_client import EVENT_ID, STATE_MARKERS, Fleet, RecordingConnection


def test_event_ids_are_found_in_feed_rows_and_public_updates():
    message = (
        b'<div id="change-41" hx-swap-oob="afterbegin:#feed-rows">...</div>'
        b'<div id="change-42" hx-swap-oob="afterbegin:#feed-rows">...</div>'
        b'<span id="product-7-price" data-as-of="43" hx-swap-oob="true">$1</span>'
    )
    assert [int(found) for found in EVENT_ID.findall(message)] == [41, 42, 43]


def test_a_frame_without_an_event_id_is_not_an_event():
    assert EVENT_ID.findall(b'<div id="presence">Alice is viewing</div>') == []


def test_the_feed_snapshot_and_the_public_prices_count_as_a_current_state():
    feed = '<div id="feed-rows" hx-swap-oob="innerHTML"></div>'
    prices = '<span id="product-3-price" hx-swap-oob="true">$2.00</span>'
    resumed = '<!--live:resumed--><div id="feed-presence">Alice</div>'
    assert any(marker in feed for marker in STATE_MARKERS)
    assert any(marker in prices for marker in STATE_MARKERS)
    assert any(marker in resumed for marker in STATE_MARKERS)
    assert not any(marker in "<div>hello</div>" for marker in STATE_MARKERS)


def test_the_recorder_counts_every_event_of_a_joined_message():
    fleet = Fleet("ws://127.0.0.1:1/", "http://127.0.0.1:1", timeout=1)
    fleet.ids.append(fanout_client.array("q"))
    fleet.times.append(fanout_client.array("q"))
    record = fleet.recorder(0)

    record(b'<div id="change-5"></div><div id="change-6"></div>')
    record(b'<div id="presence"></div>')

    assert list(fleet.ids[0]) == [5, 6]
    assert fleet.frames == 2 and fleet.messages == 1 and fleet.other_frames == 1
    assert fleet.times[0][0] == fleet.times[0][1] == fleet.last_rx


class _Recorded(RecordingConnection):
    """A connection without a socket: only ``process_event`` is exercised."""

    def __init__(self):
        self.passed_on = []

    def _pass_on(self, event):
        self.passed_on.append(event)


def test_complete_text_frames_go_to_the_recorder_and_others_take_the_usual_path(
    monkeypatch,
):
    monkeypatch.setattr(
        fanout_client.ClientConnection,
        "process_event",
        lambda self, event: self._pass_on(event),
    )
    connection = _Recorded()
    recorded = []
    connection.recorder = recorded.append

    whole = Frame(Opcode.TEXT, b'<div id="change-1"></div>')
    first_part = Frame(Opcode.TEXT, b"<div", fin=False)
    ping = Frame(Opcode.PING, b"")
    for frame in (whole, first_part, ping):
        connection.process_event(frame)

    assert recorded == [whole.data]
    assert connection.passed_on == [first_part, ping]


def test_failure_reasons_name_what_went_wrong():
    assert fanout_client.failure_reason(TimeoutError()) == "timeout"
    assert fanout_client.failure_reason(ValueError()) == "ValueError"
