"""Sockets per client address, in this process's count (the Redis count is
tested across two daphne processes in products' catalog socket tests)."""

import pytest
from channels.testing import WebsocketCommunicator

from live import addresses
from live.addresses import MemoryCounts, SocketsPerAddress, address_of
from live.protocol import CLOSE_TOO_MANY


async def echo(scope, receive, send):
    """A socket that accepts, says hello and stays until the client leaves."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "hello"})
        elif message["type"] == "websocket.disconnect":
            return


@pytest.fixture(autouse=True)
def memory_counts(monkeypatch):
    monkeypatch.setattr(addresses.Counts, "__init__", memory_init)


def memory_init(self):
    self.store, self.entries, self.renewing, self.failing = (
        MemoryCounts(),
        {},
        None,
        False,
    )


def from_address(app, host):
    communicator = WebsocketCommunicator(app, "/ws/")
    communicator.scope["client"] = (host, 5000)
    return communicator


async def test_past_the_limit_one_address_is_closed_with_4429_and_others_are_not():
    app = SocketsPerAddress(echo, lambda: 2)
    opened = [from_address(app, "203.0.113.7") for _ in range(3)]
    other = from_address(app, "198.51.100.9")
    try:
        assert (await opened[0].connect())[0] and (await opened[1].connect())[0]
        assert await opened[2].connect() == (True, None)
        assert (await opened[2].receive_output())["code"] == CLOSE_TOO_MANY
        assert await opened[1].receive_from() == "hello"
        assert (await other.connect())[0]
        await opened[0].disconnect()
        again = from_address(app, "203.0.113.7")
        opened.append(again)
        assert (await again.connect())[0]
        assert await again.receive_from() == "hello"  # a place came free
    finally:
        for communicator in (*opened, other):
            await communicator.disconnect()


def test_the_address_is_the_peer_the_server_reports_and_is_bounded():
    assert address_of({"client": ("203.0.113.7", 1)}) == "203.0.113.7"
    assert address_of({}) == "unknown"
    assert len(address_of({"client": ("x" * 5000, 1)})) == 100
