"""/metrics: the Prometheus text format, for the allowed networks only."""

import pytest

pytestmark = pytest.mark.django_db


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
    import http.client

    server = start_daphne()

    def get(path):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    assert get("/healthz")[0] == 200
    status, text = get("/metrics")

    assert status == 200
    assert 'shop_http_request_seconds_count{code="200",method="GET"} 1.0' in text
    assert (
        'shop_http_request_seconds_bucket{code="200",le="0.005",method="GET"}' in text
    )
