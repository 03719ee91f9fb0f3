"""ASGI middleware for live sockets."""

from .protocol import ASGIApp, Receive, Scope, Send


class ServerSendMiddleware:
    """Keep the server's own ``send`` in the scope, beneath the session
    middleware's wrapper.

    That wrapper exists to save a modified session with an HTTP response; a live socket
    never modifies one, yet the wrapper costs two lazy-object lookups per frame,
    a noticeable share of a frame's cost at a thousand sockets. The hub writes its
    frames through the server's ``send`` directly.
    """

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return await self.inner(dict(scope, server_send=send), receive, send)
