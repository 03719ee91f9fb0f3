"""When the server shuts down, live sockets are closed as "restarting, resync".

Cancelled with the rest, they would drop (1006) and the page would wait for the
ws extension's backoff; with our own code it reconnects at once, to another
process behind the load balancer, and receives the current state.
"""

from django.dispatch import receiver

from core.graceful_shutdown import server_stopping

from .hub import local_hubs
from .protocol import CLOSE_RESTART


@receiver(server_stopping, dispatch_uid="live.resync_elsewhere")
def resync_elsewhere(sender, **kwargs):
    for _loop, hub in local_hubs():
        hub.close_all(CLOSE_RESTART)
