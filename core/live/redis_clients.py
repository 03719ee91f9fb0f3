"""The live layer's own Redis clients (presence, sockets per address).

A burst of sockets (a storm of reconnects, a page of visitors leaving, a process
stopping) sends a command per socket at once. redis-py's default pool refuses the
101st concurrent command with ``MaxConnectionsError``; these clients wait for a
free connection instead, within the live layer's bounded waits
(``live.waits``), so a burst is slower, never lost.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

MAX_CONNECTIONS = 50
WAIT_SECONDS = 5


def redis_client(url: str) -> "Redis":
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS
    )
    return Redis.from_pool(pool)
