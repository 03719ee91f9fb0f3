"""The live layer's shutdown hook: ``resync_elsewhere()`` closes every live
socket of this process as "restarting, resync" (4012).

Cancelled with the rest, they would drop (1006) and the page would wait for the
ws extension's backoff; with our own code it reconnects at once, to another
process behind the load balancer, and receives the current state.

The layer does not know how its server stops: the project calls this when it
does (``core/asgi.py`` connects it to its server's "stopping" signal). It runs
in the server's event loop thread; any arguments are ignored, so it can be a
signal receiver as it is.
"""

from .hub import local_hubs
from .protocol import CLOSE_RESTART


def resync_elsewhere(*args: object, **kwargs: object) -> None:
    for _loop, hub in local_hubs():
        hub.close_all(CLOSE_RESTART)
