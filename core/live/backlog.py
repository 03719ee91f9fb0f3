"""How many bytes a socket's connection still holds, unsent, in the server.

daphne's ASGI ``send()`` never waits for the peer: a frame goes straight into
Twisted's write buffer for the connection, which grows without limit while the
peer does not read. A bound on a slow socket therefore has to look at that buffer,
not only at the frames waiting in our own outbox.

daphne hands each connection ``functools.partial(server.handle_reply, protocol)``
as its ``send``; the protocol's ``transport`` is Twisted's TCP connection, whose
buffer is ``dataBuffer[offset:]`` plus the pending ``_tempDataBuffer`` (see
``twisted.internet.abstract.FileDescriptor``). Under any other server, or if those
names ever change, the backlog is unknown and only the outbox bound applies.
"""

from typing import Any

from .protocol import Send

# Twisted's TCP transport, read through names Twisted does not publish.
Transport = Any


def transport_of(send: Send) -> Transport | None:
    """Twisted's transport behind a daphne ``send``, or None."""
    arguments = getattr(send, "args", ())
    protocol = arguments[0] if arguments else None
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(transport, "dataBuffer"):
        return None
    return transport


def unsent_bytes(transport: Transport | None) -> int:
    """Bytes written to ``transport`` that the kernel has not taken yet."""
    if transport is None:
        return 0
    pending = len(transport.dataBuffer) - getattr(transport, "offset", 0)
    return pending + getattr(transport, "_tempDataLen", 0)


def connection_closing(error: BaseException) -> bool:
    """Whether a send failed only because the connection is already closing
    (autobahn, under daphne, raises ``Disconnected`` for a send that races the
    peer's close): the socket is going away, which is no error."""
    try:
        from autobahn.exception import Disconnected
    except ImportError:  # another server: nothing of the kind to recognise
        return False
    return isinstance(error, Disconnected)
