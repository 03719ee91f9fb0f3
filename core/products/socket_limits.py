"""How many sockets one client address may hold open on a public socket URL.

The public catalog socket needs no login, so nothing else stops one client from
opening thousands and holding a process's memory and file descriptors. Counted
per process (each daphne process keeps its own count) by the connection's peer
address as daphne reports it: behind a reverse proxy, run daphne with
``--proxy-headers`` (see the README) or every visitor counts as the proxy.
"""

from collections import Counter

from django.conf import settings

from live.protocol import CLOSE_TOO_MANY


async def refuse_too_many(receive, send):
    """Accept, then close with our code: a refusal before the handshake reaches
    the browser as 1006, which the htmx ws extension retries forever."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})


class SocketsPerAddress:
    """ASGI middleware around a WebSocket route: over ``limit`` open sockets from
    one address (``CATALOG_SOCKETS_PER_ADDRESS``), the next is closed with
    ``CLOSE_TOO_MANY`` (4429)."""

    def __init__(self, application, limit=None):
        self.application = application
        self.limit = limit
        self.open = Counter()

    async def __call__(self, scope, receive, send):
        address = (scope.get("client") or ("unknown",))[0]
        limit = self.limit or settings.CATALOG_SOCKETS_PER_ADDRESS
        if self.open[address] >= limit:
            return await refuse_too_many(receive, send)
        self.open[address] += 1
        try:
            return await self.application(scope, receive, send)
        finally:
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]
