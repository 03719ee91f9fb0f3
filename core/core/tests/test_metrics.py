"""/metrics: the Prometheus text format, for the allowed networks only."""

import asyncio
import http.client
import time

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from core.testing.processes import RedisServer
from live.protocol import CLOSE_RESTART
from products.tests.factories import ProductFactory
from products.tests.sockets import close_db_connections_after_async_test  # noqa: F401

pytestmark = pytest.mark.django_db

WAIT = 20  # s, for what a busy machine may take


def get(server, path):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_loopback_reads_the_figures_in_the_prometheus_format(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    for family in (
        "shop_live_sockets",
        "shop_live_announced_total",
        "shop_live_events_delivered_total",
        "shop_live_frames_coalesced_total",
        "shop_live_sockets_closed_total",
        "shop_live_announce_render_lag_seconds",
        "shop_live_announce_send_lag_seconds",
        "shop_live_hub_rejoins_total",
        "shop_http_request_seconds",
    ):
        assert f"# TYPE {family} " in text, family
    assert "_created" not in text  # one series per figure, no creation times
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("address", ["203.0.113.5", "10.1.2.3", "::ffff:8.8.8.8"])
def test_anyone_else_finds_nothing_there(client, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 404


def test_the_allowed_networks_are_a_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback no longer


def test_only_reads_are_answered(client):
    assert client.post("/metrics").status_code == 405


def test_requests_under_daphne_are_timed(start_daphne):
    server = start_daphne()

    assert get(server, "/healthz")[0] == 200
    status, text = get(server, "/metrics")

    assert status == 200
    assert 'shop_http_request_seconds_count{code="200",method="GET"} 1.0' in text
    assert (
        'shop_http_request_seconds_bucket{code="200",le="0.005",method="GET"}' in text
    )


@pytest.mark.django_db(transaction=True)
async def test_a_redis_restart_counts_a_rejoin_and_the_resync_closes(
    start_daphne, tmp_path
):
    redis = RedisServer(tmp_path).start()
    try:
        server = start_daphne(REDIS_URL=redis.url)
        product = await sync_to_async(ProductFactory)()
        socket = await connect(
            f"ws://127.0.0.1:{server.port}/ws/catalog/?p={product.pk}",
            additional_headers={"Origin": server.url},
            open_timeout=WAIT,
        )
        await socket.recv()  # the current state: the hub has joined its groups

        await asyncio.to_thread(redis.kill)
        deadline = time.monotonic() + WAIT
        while (await asyncio.to_thread(get, server, "/readyz"))[0] != 503:
            assert time.monotonic() < deadline, "/readyz never noticed"
            await asyncio.sleep(0.1)
        await asyncio.to_thread(redis.start)

        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(WAIT):
                while True:
                    await socket.recv()
        assert socket.close_code == CLOSE_RESTART
        _, text = await asyncio.to_thread(get, server, "/metrics")
        assert "shop_live_hub_rejoins_total 1.0" in text
        assert f'shop_live_sockets_closed_total{{code="{CLOSE_RESTART}"}} 1.0' in text
    finally:
        await asyncio.to_thread(redis.stop)
