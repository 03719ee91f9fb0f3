"""The channel layer, as the live layer uses it: Redis across processes, or the
in-memory layer within one.

Hubs receive through the layer (one channel per hub, one group per topic). The
announcer sends from its own thread, through ``send``. The in-memory layer's
asyncio queues may only be touched from their own event loop, so with it a
message is handed to each hub of this process in that hub's loop: hubs
``attach`` a receiver here while they carry topics. The publisher never sees a
hub.
"""

import asyncio
import logging
import threading
from collections.abc import Callable

from channels.layers import InMemoryChannelLayer, get_channel_layer

from .protocol import Message

logger = logging.getLogger(__name__)

# loop -> receive(message) of the hub running in it, while it carries topics.
Receive = Callable[[Message], None]
_receivers: dict[asyncio.AbstractEventLoop, Receive] = {}
_receivers_lock = threading.Lock()


def attach(loop: asyncio.AbstractEventLoop, receive: Receive) -> None:
    with _receivers_lock:
        _receivers[loop] = receive


def detach(loop: asyncio.AbstractEventLoop) -> None:
    with _receivers_lock:
        _receivers.pop(loop, None)


def in_process(layer: object) -> bool:
    """Whether ``layer`` reaches only this process (and no hub receives from it)."""
    return isinstance(layer, InMemoryChannelLayer)


def send(group: str, message: Message, loop: asyncio.AbstractEventLoop) -> None:
    """Hand ``message`` to every hub in ``group``; best effort (the database is
    the record, and hubs catch up from it). ``loop`` is the caller's own event
    loop, not running (the announcer's)."""
    layer = get_channel_layer()
    if in_process(layer):
        with _receivers_lock:
            receivers = list(_receivers.items())
        for hub_loop, receive in receivers:
            if hub_loop.is_closed():  # a test's loop whose hub never left
                detach(hub_loop)
            else:
                hub_loop.call_soon_threadsafe(receive, message)
        return
    try:
        loop.run_until_complete(layer.group_send(group, message))
    except Exception:
        logger.exception("Could not send %s to %s", message["type"], group)
