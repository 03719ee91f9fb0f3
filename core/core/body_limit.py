"""Refuse request bodies over ``MAX_REQUEST_BODY_BYTES`` with 413, in front of Django.

Django reads the whole body before any view runs (and parses multipart forms
during the CSRF check), and ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count file
parts. This ASGI middleware answers 413 from ``Content-Length`` without reading
the body, and counts the bytes of a body sent without one (chunked), holding at
most the limit. Under daphne, ``core.daphne_guard`` refuses even earlier, before
daphne buffers the body; this layer covers every other ASGI server.
"""

from django.conf import settings

TOO_LARGE = b"Request body too large.\n"


def declared_length(scope):
    """The ``Content-Length`` as an int, None without one; -1 when malformed."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


async def send_too_large(send):
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(TOO_LARGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE})


class BodyLimitMiddleware:
    def __init__(self, application, limit=None):
        self.application = application
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        limit = (
            self.limit if self.limit is not None else settings.MAX_REQUEST_BODY_BYTES
        )
        length = declared_length(scope)
        if length is not None and length > limit:
            return await send_too_large(send)
        if length is not None and length >= 0:
            return await self.application(scope, receive, send)
        # No length given: read up to the limit, then hand the app what was read.
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away
            size += len(message.get("body", b""))
            if size > limit:
                return await send_too_large(send)
            if not message.get("more_body", False):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return await self.application(scope, replay, send)
