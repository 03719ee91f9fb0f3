"""Let daphne finish in-flight requests on SIGTERM, and always exit.

On SIGTERM daphne cancels every application at once and stops its event loop.
A request in flight was cut off without a response, and worse, its worker
thread (Django runs the sync middleware in a thread, which waits on the event
loop for the async view) then waited forever on the stopped loop: Python's exit
joins those threads, so daphne never exited until SIGKILL. ``install()``
(called from ``core.asgi``) changes daphne's shutdown step only:

1. stop listening, so new connections go to the other processes, and send
   ``server_stopping`` (the feed closes its sockets with "restarting, resync",
   so pages reconnect at once, to another process, and resume complete);
2. wait until no HTTP request is in flight, at most
   ``SHUTDOWN_GRACE_SECONDS``; the event loop keeps running meanwhile;
3. then do what daphne did: cancel what is left (the WebSocket consumers: their
   browsers see the connection drop and reconnect elsewhere);
4. and, in case a request outlived the grace and left a thread behind, end the
   process ``SHUTDOWN_FORCE_EXIT_SECONDS`` later, however it stands.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent in the server's event loop when it starts shutting down; what its
# receivers schedule gets this long to run before the applications are cancelled.
server_stopping = Signal()
STOPPING_SETTLE_SECONDS = 0.2


def requests_in_flight(server):
    from daphne.http_protocol import WebRequest

    return sum(
        1
        for protocol, details in list(server.connections.items())
        if isinstance(protocol, WebRequest)
        and details.get("application_instance") is not None
        and not details["application_instance"].done()
    )


def drain(server):
    """A Deferred that fires when no request is in flight, or at the deadline."""
    from twisted.internet import defer, reactor

    for port in getattr(server, "listening_ports", []):
        port.stopListening()
    deadline = time.monotonic() + settings.SHUTDOWN_GRACE_SECONDS
    drained: defer.Deferred[None] = defer.Deferred()

    def check():
        left = requests_in_flight(server)
        if not left:
            drained.callback(None)
        elif time.monotonic() >= deadline:
            logger.warning("Shutting down with %d request(s) still in flight", left)
            drained.callback(None)
        else:
            # twisted's reactor module is typed as its interface, unbound.
            reactor.callLater(0.05, check)  # type: ignore[arg-type]

    check()
    return drained


def force_exit_later():
    def force_exit():
        logger.warning("Shutdown stalled (a thread outlived its request): exiting")
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(settings.SHUTDOWN_FORCE_EXIT_SECONDS, force_exit)
    timer.daemon = True
    timer.start()


def install():
    """Patch daphne's Server (idempotent); takes effect for servers started after."""
    from daphne.server import Server

    if getattr(Server, "drains_on_shutdown", False):
        return
    cancel_all = Server.kill_all_applications
    record_listening = Server.listen_success

    def listen_success(self, port):
        self.__dict__.setdefault("listening_ports", []).append(port)
        return record_listening(self, port)

    def kill_all_applications(self):
        logger.info("Shutting down: finishing %d request(s)", requests_in_flight(self))
        server_stopping.send_robust(sender=Server)

        def then_cancel_the_rest(_):
            force_exit_later()
            return cancel_all(self)

        from twisted.internet import reactor, task

        # What the receivers started (closing sockets) runs in the event loop:
        # give it a moment before anything is cancelled.
        return task.deferLater(
            reactor, STOPPING_SETTLE_SECONDS, drain, self
        ).addCallback(then_cancel_the_rest)

    Server.listen_success = listen_success
    Server.kill_all_applications = kill_all_applications
    Server.drains_on_shutdown = True
