"""The layer's shutdown hook: every socket of this process resyncs elsewhere."""

import asyncio

from live import hub as hubs
from live.protocol import CLOSE_RESTART
from live.shutdown import resync_elsewhere

from .test_hub import FakeLayer, FakeSocket, connect, until


async def test_stopping_closes_every_socket_as_restarting(settings):
    settings.LIVE_WAKE_SECONDS_PER_SOCKET = 0
    hub = hubs.Hub(FakeLayer())
    hubs._hubs[asyncio.get_running_loop()] = hub
    sockets = [FakeSocket(), FakeSocket()]
    for socket in sockets:
        await connect(hub, socket)

    resync_elsewhere(sender=None)  # as a signal receiver is called

    await until(lambda: all(s.closed_with for s in sockets))
    assert [s.closed_with for s in sockets] == [CLOSE_RESTART, CLOSE_RESTART]
    await hub.unsubscribe()
