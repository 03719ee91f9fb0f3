"""How many sockets one client address holds open on a route, across processes.

A public socket needs no login, so nothing else stops one client from opening
thousands and holding the processes' memory and file descriptors. The count is
kept where every process sees it: in Redis when ``REDIS_URL`` is set (a sorted
set per address, each open socket a member scored by when it expires), else in
this process's memory. Each process renews its own sockets' entries every
``LIVE_ADDRESS_BEAT_SECONDS``; a process that dies stops renewing, and its
entries expire after ``LIVE_ADDRESS_TTL_SECONDS``.

The address is ``scope["client"]``: the peer as the server reports it. Behind a
reverse proxy run daphne with ``--proxy-headers`` (it then reports the client's
address from ``X-Forwarded-For``), or every visitor counts as the proxy.

While Redis fails the socket is let in (logged): the per-process cap on
anonymous sockets (``LIVE_ANONYMOUS_SOCKETS_PER_PROCESS``) still holds.
"""

import asyncio
import logging
import time
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Optional, Protocol

from django.conf import settings

from .conf import live_setting
from .protocol import CLOSE_TOO_MANY, ASGIApp, Receive, Scope, Send
from .redis_clients import redis_client
from .waits import bounded

logger = logging.getLogger(__name__)

# An address longer than this (a forged header behind a careless proxy) is cut.
MAX_ADDRESS_LENGTH = 100


def address_of(scope: Scope) -> str:
    client = scope.get("client") or ("unknown",)
    return str(client[0] or "unknown")[:MAX_ADDRESS_LENGTH]


# (route, address): what one count is kept for.
Place = tuple[str, str]


class Store(Protocol):
    """Where the counts are kept: a member (one socket) per entry."""

    async def admit(
        self, route: str, address: str, member: str, limit: int
    ) -> bool: ...

    async def release(self, route: str, address: str, member: str) -> None: ...

    async def renew(self, entries: Mapping[Place, set[str]]) -> None: ...


class MemoryCounts:
    """This process's count (the in-memory channel layer's world)."""

    def __init__(self) -> None:
        self.open: Counter[Place] = Counter()

    async def admit(self, route: str, address: str, member: str, limit: int) -> bool:
        key = (route, address)
        if self.open[key] >= limit:
            return False
        self.open[key] += 1
        return True

    async def release(self, route: str, address: str, member: str) -> None:
        key = (route, address)
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]

    async def renew(self, entries: Mapping[Place, set[str]]) -> None:
        pass


class RedisCounts:
    """Every process's sockets, one sorted set per route and address."""

    def __init__(self, url: str, prefix: str) -> None:
        # Waits for a free connection in a burst (live.redis_clients): a failed
        # release left its socket counted until expiry.
        self.client = redis_client(url)
        self.prefix = prefix

    def key(self, route: str, address: str) -> str:
        return f"{self.prefix}:sockets:{route}:{address}"

    async def admit(self, route: str, address: str, member: str, limit: int) -> bool:
        key, now, ttl = self.key(route, address), time.time(), ttl_seconds()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {member: now + ttl})
            pipe.zcard(key)
            pipe.expire(key, max(1, round(ttl * 2)))
            _, _, count, _ = await pipe.execute()
        if count > limit:
            await self.client.zrem(key, member)
            return False
        return True

    async def release(self, route: str, address: str, member: str) -> None:
        await self.client.zrem(self.key(route, address), member)

    async def renew(self, entries: Mapping[Place, set[str]]) -> None:
        """``entries``: {(route, address): members} of this process's sockets."""
        expiry, ttl = time.time() + ttl_seconds(), ttl_seconds()
        async with self.client.pipeline(transaction=False) as pipe:
            for (route, address), members in entries.items():
                key = self.key(route, address)
                pipe.zadd(key, {member: expiry for member in members})
                pipe.expire(key, max(1, round(ttl * 2)))
            await pipe.execute()


def ttl_seconds() -> float:
    return live_setting("LIVE_ADDRESS_TTL_SECONDS")


class Counts:
    """One event loop's view: the store, and the entries it must renew."""

    def __init__(self) -> None:
        url = getattr(settings, "REDIS_URL", "")
        self.store: Store = (
            RedisCounts(url, settings.CHANNEL_PREFIX) if url else MemoryCounts()
        )
        self.entries: dict[Place, set[str]] = {}  # (route, address) -> members
        self.renewing: Optional[asyncio.Task[None]] = None
        self.failing = False

    async def admit(self, route: str, address: str, limit: int) -> Optional[str]:
        """A member name if one more socket of ``address`` fits, else None."""
        member = uuid.uuid4().hex
        try:
            admitted = await bounded(
                self.store.admit(route, address, member, limit), "counting sockets"
            )
        except Exception:
            self.failed()
            admitted = True  # let it in; the per-process cap still holds
        else:
            self.failing = False
        if not admitted:
            return None
        self.entries.setdefault((route, address), set()).add(member)
        if self.renewing is None:
            self.renewing = asyncio.ensure_future(self.renew())
        return member

    async def release(self, route: str, address: str, member: str) -> None:
        members = self.entries.get((route, address), set())
        members.discard(member)
        if not members:
            self.entries.pop((route, address), None)
        try:
            await bounded(
                self.store.release(route, address, member), "counting sockets"
            )
        except Exception:
            self.failed()  # the entry expires by itself

    async def renew(self) -> None:
        try:
            while self.entries:
                await asyncio.sleep(live_setting("LIVE_ADDRESS_BEAT_SECONDS"))
                entries = {key: set(members) for key, members in self.entries.items()}
                try:
                    await bounded(self.store.renew(entries), "renewing socket counts")
                except Exception:
                    self.failed()
        finally:
            self.renewing = None

    def failed(self) -> None:
        if not self.failing:
            logger.warning("Could not count sockets per address", exc_info=True)
        self.failing = True


_counts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Counts] = (
    weakref.WeakKeyDictionary()
)  # event loop -> Counts


def counts() -> Counts:
    loop = asyncio.get_running_loop()
    if loop not in _counts:
        _counts[loop] = Counts()
    return _counts[loop]


async def refuse_too_many(receive: Receive, send: Send) -> None:
    """Accept, then close with our code: a refusal before the handshake reaches
    the browser as 1006, which the htmx ws extension retries forever."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})


class SocketsPerAddress:
    """ASGI middleware around a WebSocket route: over ``limit()`` open sockets
    from one client address, counted across processes, the next is closed with
    ``CLOSE_TOO_MANY`` (4429). ``route``: names the count (routes with their own
    caps count apart)."""

    def __init__(
        self, application: ASGIApp, limit: Callable[[], int], route: str = "public"
    ) -> None:
        self.application = application
        self.limit = limit
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        address = address_of(scope)
        member = await counts().admit(self.route, address, self.limit())
        if member is None:
            return await refuse_too_many(receive, send)
        try:
            return await self.application(scope, receive, send)
        finally:
            await counts().release(self.route, address, member)
