"""Liveness and readiness for load balancers.

``/healthz`` answers as long as the process serves requests, touching nothing.
``/readyz`` checks what a request needs: the database (a trivial query) and the
channel layer (a message sent to and read back from a channel of its own). A
failing part is named in a 503; the reason goes to the log only, since error
messages may quote hosts, URLs or credentials.
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Long enough for a loaded server, short enough for a balancer's probe timeout.
CHECK_TIMEOUT = 3.0


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def database_ready():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # A probe every few seconds must not keep a connection per thread.
        connection.close()


async def channel_layer_ready():
    layer = get_channel_layer()
    channel = await layer.new_channel("readyz.")
    await layer.send(channel, {"type": "readyz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "readyz.ping":
        raise RuntimeError("the channel layer returned another message")


async def check(name, probe):
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT)
    except Exception:
        logger.warning("readiness check failed: %s", name, exc_info=True)
        return False
    return True


@never_cache
@require_safe
async def readyz(request):
    results = await asyncio.gather(
        check("database", sync_to_async(database_ready, thread_sensitive=False)),
        check("channel_layer", channel_layer_ready),
    )
    checks = dict(zip(("database", "channel_layer"), results))
    failing = [name for name, ready in checks.items() if not ready]
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {
            name: "ok" if ready else "failing" for name, ready in checks.items()
        },
    }
    return JsonResponse(body, status=503 if failing else 200)
