"""Refuse oversized request bodies inside daphne, before it buffers them.

daphne collects the whole body (Twisted keeps it in memory or a temporary file)
and only then hands it to the application, all chunks at once: an anonymous
50 MiB POST cost the server +600 MiB at peak before any middleware could say no.
No daphne option limits the body, so ``install()`` (called from ``core.asgi``)
swaps daphne's request class for a subclass that answers 413 and closes the
connection as soon as the headers announce more than ``MAX_REQUEST_BODY_BYTES``,
or, for a chunked body, as soon as the bytes received pass it. Nothing else of
daphne's request changes; ``core.body_limit`` is the same rule for other servers.
"""

from django.conf import settings

RESPONSE = (
    b"HTTP/1.1 413 Request Entity Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 24\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"Request body too large.\n"
)


def bounded_request_class(base):
    # daphne's request class, given at run time: no static base to check.
    class BoundedWebRequest(base):  # type: ignore[misc,valid-type]
        refused = False
        received = 0

        def gotLength(self, length):
            if length is not None and length > settings.MAX_REQUEST_BODY_BYTES:
                # Twisted would answer "Expect: 100-continue" after this call.
                self.requestHeaders.removeHeader(b"expect")
                self.refuse()
            super().gotLength(0 if self.refused else length)

        def handleContentChunk(self, data):
            if self.refused:
                return
            self.received += len(data)
            if self.received > settings.MAX_REQUEST_BODY_BYTES:
                self.refuse()
                return
            super().handleContentChunk(data)

        def process(self):
            if not self.refused:
                return super().process()

        def refuse(self):
            """Answer 413 now and stop reading: the rest of the body is never
            read, let alone stored. Twisted answers malformed requests the
            same way."""
            self.refused = True
            self.channel.transport.write(RESPONSE)
            self.channel.loseConnection()

    return BoundedWebRequest


def install():
    """Make daphne's HTTP factory build bounded requests (idempotent)."""
    from daphne import http_protocol

    if not hasattr(http_protocol.WebRequest, "refuse"):
        http_protocol.WebRequest = bounded_request_class(http_protocol.WebRequest)
