"""The wire contract as a page reads it, and the frame bound."""

from django.template import Context, Template

from live.consumers import frames
from live.protocol import (
    CLOSE_NOT_ALLOWED,
    CLOSE_RESTART,
    CLOSE_TOO_MANY,
    CLOSE_TOO_SLOW,
    MAX_FRAME_BYTES,
    frame_size,
)


def test_the_page_reads_the_close_codes_from_data_attributes():
    html = Template("{% load live %}<div {% live_codes %}>").render(Context())
    assert f'data-reconnect-codes="{CLOSE_RESTART} {CLOSE_TOO_SLOW}"' in html
    assert f'data-not-allowed-codes="{CLOSE_NOT_ALLOWED}"' in html
    assert f'data-too-many-codes="{CLOSE_TOO_MANY}"' in html


def test_daphne_can_send_every_code():
    codes = (CLOSE_NOT_ALLOWED, CLOSE_TOO_MANY, CLOSE_RESTART, CLOSE_TOO_SLOW)
    assert all(3000 <= code <= 4999 for code in codes)


def test_states_go_in_as_few_frames_as_the_bound_allows():
    half = "x" * (MAX_FRAME_BYTES // 2)
    parts = ["<a>", half, half, "é"]
    sent = list(frames(parts))
    assert "".join(sent) == "".join(parts)
    assert len(sent) == 2
    assert all(frame_size(frame) <= MAX_FRAME_BYTES for frame in sent)
