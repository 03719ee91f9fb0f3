"""deploy/nginx/nginx.conf agrees with the app's own limits."""

import re

from django.conf import settings

from core.testing.proxy import DEPLOY_DIR

CONFIG = (DEPLOY_DIR / "nginx" / "nginx.conf").read_text()
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def directive(name):
    [value] = re.findall(rf"^\s*{name}\s+([^;]+);", CONFIG, re.M)
    return value


def test_the_proxy_refuses_the_bodies_the_app_refuses():
    size = re.fullmatch(r"(\d+)([kmg]?)", directive("client_max_body_size").lower())
    assert int(size.group(1)) * UNITS[size.group(2)] == settings.MAX_REQUEST_BODY_BYTES


def test_slow_clients_wait_on_the_proxy_for_a_bounded_time():
    # slowloris: a request line and headers, or a body, trickled in forever.
    assert directive("client_header_timeout") == "10s"
    assert directive("client_body_timeout") == "10s"


def test_metrics_are_never_served_through_the_proxy():
    assert re.search(r"location = /metrics \{\s*return 404;", CONFIG)
