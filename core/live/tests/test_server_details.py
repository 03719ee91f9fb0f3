"""The layer's small adapters to the server: its own ``send`` kept in the
scope, and what daphne still holds for a connection."""

from functools import partial

from live.backlog import connection_closing, transport_of, unsent_bytes
from live.middleware import ServerSendMiddleware


async def test_the_servers_own_send_is_kept_in_the_scope():
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    async def server_send(message):
        pass

    await ServerSendMiddleware(app)({"type": "websocket"}, None, server_send)
    assert seen["server_send"] is server_send


class Transport:
    def __init__(self):
        self.dataBuffer = b"x" * 100
        self.offset = 40
        self._tempDataLen = 7


class Protocol:
    transport = Transport()


async def reply(protocol, message):
    pass


def test_the_backlog_is_what_twisted_has_not_written():
    send = partial(reply, Protocol())
    assert unsent_bytes(transport_of(send)) == 60 + 7


def test_another_servers_backlog_is_unknown_and_counts_as_none():
    async def send(message):
        pass

    assert transport_of(send) is None and unsent_bytes(None) == 0


def test_a_send_racing_the_peers_close_is_recognised():
    from autobahn.exception import Disconnected

    assert connection_closing(Disconnected("closed"))
    assert not connection_closing(ValueError("too large"))
