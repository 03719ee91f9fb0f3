"""Bodies over MAX_REQUEST_BODY_BYTES are refused with 413 before they are read."""

from core.body_limit import BodyLimitMiddleware

LIMIT = 1000


class Inner:
    """An ASGI app that records the body it was given."""

    def __init__(self):
        self.called = False
        self.body = b""

    async def __call__(self, scope, receive, send):
        self.called = True
        while True:
            message = await receive()
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def call(headers, chunks):
    inner = Inner()
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": headers}
    await BodyLimitMiddleware(inner, limit=LIMIT)(scope, receive, send)
    return inner, sent[0]["status"], messages


async def test_a_declared_length_over_the_limit_is_refused_unread():
    inner, status, unread = await call(
        [(b"content-length", b"1001")], [b"x" * 500, b"x" * 501]
    )
    assert status == 413
    assert not inner.called
    assert len(unread) == 2  # not a byte of the body was read


async def test_a_body_without_length_is_counted():
    inner, status, unread = await call([], [b"x" * 600, b"x" * 600, b"x" * 600])
    assert status == 413
    assert not inner.called
    assert len(unread) == 1  # refused as soon as the count passed the limit


async def test_bodies_within_the_limit_reach_the_app_whole():
    inner, status, _ = await call([(b"content-length", b"1000")], [b"x" * 1000])
    assert (status, inner.body) == (200, b"x" * 1000)
    inner, status, _ = await call([], [b"a" * 400, b"b" * 600])
    assert (status, inner.body) == (200, b"a" * 400 + b"b" * 600)


def test_the_default_limit_leaves_room_for_a_5_mb_image(settings):
    assert settings.MAX_REQUEST_BODY_BYTES >= settings.PRODUCT_IMAGE_MAX_BYTES + 2**20
